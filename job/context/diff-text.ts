// Reading GitLab's per-file unified diffs (the `diff` field of `GET .../merge_requests/:iid/diffs`, which starts
// at the first "@@" line): the size of a change, and the hunk around the line a diff note is on.
// https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs

export interface DiffLineCounts {
  additions: number;
  deletions: number;
}

/** Added and removed lines of one file's diff; lines outside hunks and "\ No newline" markers don't count. */
export function countDiffLines(diff: string): DiffLineCounts {
  let additions = 0;
  let deletions = 0;
  let inHunk = false;
  for (const line of diff.split("\n")) {
    if (line.startsWith("@@")) inHunk = true;
    else if (!inHunk) continue;
    else if (line.startsWith("+")) additions++;
    else if (line.startsWith("-")) deletions++;
  }
  return { additions, deletions };
}

/** A point in a diff as GitLab positions it: new_line alone for an added line, old_line alone for a removed one. */
export interface DiffPoint {
  oldLine: number | null;
  newLine: number | null;
}

interface NumberedLine {
  text: string;
  oldLine: number | null;
  newLine: number | null;
  /** The index of the hunk header this line belongs to. */
  header: number;
}

function numberLines(diff: string): NumberedLine[] {
  const lines: NumberedLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let header = -1;
  for (const text of diff.split("\n")) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      header = lines.length;
      lines.push({ text, oldLine: null, newLine: null, header });
      continue;
    }
    if (header < 0) continue;
    if (text.startsWith("+")) lines.push({ text, oldLine: null, newLine: newLine++, header });
    else if (text.startsWith("-")) lines.push({ text, oldLine: oldLine++, newLine: null, header });
    else if (text.startsWith(" ")) lines.push({ text, oldLine: oldLine++, newLine: newLine++, header });
    else if (text.startsWith("\\")) lines.push({ text, oldLine: null, newLine: null, header });
  }
  return lines;
}

function findPoint(lines: readonly NumberedLine[], point: DiffPoint): number {
  const exact = lines.findIndex(
    (line) =>
      (point.oldLine === null || line.oldLine === point.oldLine) &&
      (point.newLine === null || line.newLine === point.newLine) &&
      (line.oldLine !== null || line.newLine !== null),
  );
  if (exact >= 0) return exact;
  // A position from an older version may pair the numbers differently: fall back to either side alone.
  if (point.newLine !== null) {
    const byNew = lines.findIndex((line) => line.newLine === point.newLine);
    if (byNew >= 0) return byNew;
  }
  return point.oldLine === null ? -1 : lines.findIndex((line) => line.oldLine === point.oldLine);
}

/**
 * The hunk around `from` (to `to`, for a multi-line comment): the hunk's "@@" header, then up to `context`
 * lines either side, at most `maxLines` lines in all. null when the diff does not show that line.
 */
export function hunkAround(
  diff: string,
  from: DiffPoint,
  to: DiffPoint = from,
  context = 8,
  maxLines = 60,
): string | null {
  const lines = numberLines(diff);
  const start = findPoint(lines, from);
  if (start < 0) return null;
  const endFound = findPoint(lines, to);
  const end = endFound >= start ? endFound : start;
  const header = lines[start]?.header ?? 0;
  let hunkEnd = start;
  while (hunkEnd + 1 < lines.length && lines[hunkEnd + 1]?.header === header) hunkEnd++;
  let first = Math.max(header + 1, start - context);
  let last = Math.min(hunkEnd, Math.max(end, start) + context);
  if (last - first + 2 > maxLines) {
    // Keep the commented lines and what is just before them.
    first = Math.max(first, Math.min(start, end - maxLines + 2));
    last = Math.min(last, first + maxLines - 2);
  }
  const headerText = lines[header]?.text ?? "";
  return [headerText, ...lines.slice(first, last + 1).map((line) => line.text)].join("\n");
}
