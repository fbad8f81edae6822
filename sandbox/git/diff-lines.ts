// Decides, like GitLab, whether an inline comment's position points at a line the diff shows (the line reading
// itself is shared with the job: shared/gitlab/diff-lines.ts).
import { walkDiffLines, type DiffLine } from "../../shared/gitlab/diff-lines.ts";
import type { FileDiff } from "./file-diff.ts";

export { parseDiffLines, type DiffLine } from "../../shared/gitlab/diff-lines.ts";

export interface DiffPosition {
  old_path: string;
  new_path: string;
  old_line?: number | null | undefined;
  new_line?: number | null | undefined;
}

function given(n: number | null | undefined): n is number {
  return typeof n === "number";
}

/**
 * GitLab accepts a position when its file is in the diff and: new_line alone names an added line, old_line
 * alone a removed line, and both together an unchanged line the diff shows with exactly those numbers.
 * Answers the file and line it names, with both sides' counters there (for GitLab's line code).
 */
export function findPositionLine(
  files: readonly FileDiff[],
  pos: DiffPosition,
): { file: FileDiff; line: DiffLine; oldPos: number; newPos: number } | undefined {
  // GitLab looks the file up by either path; prefer the file matching both (a rename next to a new file).
  const file =
    files.find((f) => f.old_path === pos.old_path && f.new_path === pos.new_path) ??
    files.find((f) => f.new_path === pos.new_path || f.old_path === pos.old_path);
  if (file === undefined) return undefined;
  const hasOld = given(pos.old_line);
  const hasNew = given(pos.new_line);
  if (!hasOld && !hasNew) return undefined;
  let found: { file: FileDiff; line: DiffLine; oldPos: number; newPos: number } | undefined;
  walkDiffLines(file.diff, (line, at) => {
    const matches =
      hasOld && hasNew
        ? line.type === "context" && line.old_line === pos.old_line && line.new_line === pos.new_line
        : hasNew
          ? line.type === "new" && line.new_line === pos.new_line
          : line.type === "old" && line.old_line === pos.old_line;
    if (matches) found = { file, line, oldPos: at.old, newPos: at.new };
    return matches;
  });
  return found;
}

export function isValidPosition(files: readonly FileDiff[], pos: DiffPosition): boolean {
  return findPositionLine(files, pos) !== undefined;
}
