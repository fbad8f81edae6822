// Turns an agent's "comment on line L of file F, new or old side" into a GitLab diff position, checked the
// way GitLab checks it: the file must be in the merge request's diff and the line one the diff shows. An
// added line is addressed by new_line alone, a removed line by old_line alone, an unchanged (context) line
// by both. A refusal says which lines are valid, so the agent can correct itself without a GitLab call.
// https://docs.gitlab.com/api/discussions/#create-a-new-thread-in-the-merge-request-diff
import { parseDiffLines as parseGitLabDiffLines } from "../../shared/gitlab/diff-lines.ts";

/** One file of the merge request's diff, as GET /merge_requests/:iid/diffs gives it. */
export interface MergeRequestFileDiff {
  oldPath: string;
  newPath: string;
  /** The unified diff text (hunks); empty when GitLab did not send it (too large, collapsed, binary). */
  diff: string;
  deletedFile?: boolean;
}

export interface DiffLine {
  type: "added" | "removed" | "context";
  oldLine: number | null;
  newLine: number | null;
}

export interface LinePosition {
  oldPath: string;
  newPath: string;
  oldLine: number | null;
  newLine: number | null;
}

export type PositionCheck = { ok: true; position: LinePosition } | { ok: false; error: string };

/** The diff's lines, in this module's words: "added", "removed" or "context". */
export function parseDiffLines(diff: string): DiffLine[] {
  return parseGitLabDiffLines(diff).map((line) => ({
    type: line.type === "new" ? "added" : line.type === "old" ? "removed" : "context",
    oldLine: line.old_line,
    newLine: line.new_line,
  }));
}

/** Normalizes what an agent may write for a path: "./src/a.ts", "/work/repo/src/a.ts" → "src/a.ts". */
export function normalizePath(path: string, workdir?: string): string {
  let p = path.trim().replaceAll("\\", "/");
  if (workdir !== undefined) {
    const root = workdir.replaceAll("\\", "/").replace(/\/+$/, "");
    if (p.startsWith(`${root}/`)) p = p.slice(root.length + 1);
  }
  while (p.startsWith("./")) p = p.slice(2);
  return p.replace(/^\/+/, "");
}

export function checkPosition(
  files: readonly MergeRequestFileDiff[],
  request: { path: string; line: number; side: "new" | "old" },
  workdir?: string,
): PositionCheck {
  const path = normalizePath(request.path, workdir);
  const file =
    request.side === "new"
      ? files.find((f) => f.newPath === path && f.deletedFile !== true)
      : (files.find((f) => f.oldPath === path) ?? files.find((f) => f.newPath === path));
  if (file === undefined) return { ok: false, error: unknownFile(files, path, request.side) };
  if (file.diff.trim() === "") {
    return {
      ok: false,
      error: `GitLab did not provide the diff of ${path} (too large, collapsed or binary), so no line of it can be commented. Mention it in your summary instead.`,
    };
  }
  const lines = parseDiffLines(file.diff);
  const line =
    request.side === "new"
      ? lines.find((l) => l.type !== "removed" && l.newLine === request.line)
      : lines.find((l) => l.type !== "added" && l.oldLine === request.line);
  if (line === undefined) {
    return {
      ok: false,
      error:
        `Line ${request.line} on the ${request.side} side of ${path} is not part of the merge request's diff, ` +
        `so GitLab cannot anchor a comment there. ${validLines(lines)} ` +
        `Choose one of those lines, or put the remark in your summary.`,
    };
  }
  return {
    ok: true,
    position: {
      oldPath: file.oldPath,
      newPath: file.newPath,
      oldLine: line.type === "added" ? null : line.oldLine,
      newLine: line.type === "removed" ? null : line.newLine,
    },
  };
}

function unknownFile(files: readonly MergeRequestFileDiff[], path: string, side: "new" | "old"): string {
  const deleted = files.find((f) => f.deletedFile === true && (f.oldPath === path || f.newPath === path));
  if (deleted !== undefined && side === "new") {
    return `${path} is deleted by this merge request: comment on its removed lines with side "old".`;
  }
  const names = files
    .slice(0, 30)
    .map((f) => (f.oldPath === f.newPath ? f.newPath : `${f.oldPath} → ${f.newPath}`));
  const more = files.length > 30 ? ` (and ${files.length - 30} more)` : "";
  return files.length === 0
    ? `${path} is not changed by this merge request, which changes no files.`
    : `${path} is not changed by this merge request. Files in its diff: ${names.join(", ")}${more}.`;
}

/** "Valid lines: new side 1-5, 9; old side 1-2, 4-6." */
function validLines(lines: readonly DiffLine[]): string {
  const newSide = lines.filter((l) => l.type !== "removed").map((l) => l.newLine as number);
  const oldSide = lines.filter((l) => l.type !== "added").map((l) => l.oldLine as number);
  const parts: string[] = [];
  if (newSide.length > 0) parts.push(`new side ${ranges(newSide)}`);
  if (oldSide.length > 0) parts.push(`old side ${ranges(oldSide)}`);
  return parts.length === 0
    ? "The diff of this file shows no lines."
    : `Lines the diff shows: ${parts.join("; ")}.`;
}

/** [1, 2, 3, 7, 9, 10] → "1-3, 7, 9-10" */
export function ranges(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}
