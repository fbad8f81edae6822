// The lines of one file's unified diff as GitLab sends it (the `diff` field of merge request diffs), with
// GitLab's line numbering: what the job reads to check an inline comment's position before posting. (The
// sandbox keeps its own reader, after GitLab's: it imports nothing of the product.)
// https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs

export interface DiffLine {
  /** GitLab's line types: "new" (added), "old" (removed), "context" (unchanged; GitLab sends null). */
  type: "new" | "old" | "context";
  old_line: number | null;
  new_line: number | null;
  /** The line without its +/-/space prefix. */
  text: string;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * Calls `visit` for each line with GitLab's numbering, plus the running line counters of both sides (what
 * GitLab calls old_pos and new_pos): an added or removed line needs the other side's counter for its line
 * code. Stops when `visit` returns true.
 */
function walkDiffLines(
  diff: string,
  visit: (line: DiffLine, pos: { old: number; new: number }) => boolean | void,
): void {
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const line of diff.split("\n")) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    const text = line.slice(1);
    const pos = { old: oldLine, new: newLine };
    let parsed: DiffLine;
    if (line.startsWith("+")) parsed = { type: "new", old_line: null, new_line: newLine++, text };
    else if (line.startsWith("-")) parsed = { type: "old", old_line: oldLine++, new_line: null, text };
    else if (line.startsWith(" "))
      parsed = { type: "context", old_line: oldLine++, new_line: newLine++, text };
    // "\ No newline at end of file" and the empty string after the last newline are not lines.
    else continue;
    if (visit(parsed, pos) === true) return;
  }
}

export function parseDiffLines(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
  walkDiffLines(diff, (line) => {
    lines.push(line);
  });
  return lines;
}
