// Reads the lines out of a GitLab-style unified diff and decides, like GitLab, whether an inline comment's
// position points at a line the diff shows.
import type { FileDiff } from "./file-diff.ts";

export interface DiffLine {
  /** GitLab's line types: "new" (added), "old" (removed), "context" (unchanged; GitLab sends null). */
  type: "new" | "old" | "context";
  old_line: number | null;
  new_line: number | null;
  /** The line without its +/-/space prefix. */
  text: string;
}

export interface DiffPosition {
  old_path: string;
  new_path: string;
  old_line?: number | null | undefined;
  new_line?: number | null | undefined;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseDiffLines(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
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
    if (line.startsWith("+")) lines.push({ type: "new", old_line: null, new_line: newLine++, text });
    else if (line.startsWith("-")) lines.push({ type: "old", old_line: oldLine++, new_line: null, text });
    else if (line.startsWith(" ")) {
      lines.push({ type: "context", old_line: oldLine++, new_line: newLine++, text });
    }
    // "\ No newline at end of file" and the empty string after the last newline are not lines.
  }
  return lines;
}

function given(n: number | null | undefined): n is number {
  return typeof n === "number";
}

/**
 * GitLab accepts a position when its file is in the diff and: new_line alone names an added line, old_line
 * alone a removed line, and both together an unchanged line the diff shows with exactly those numbers.
 */
export function isValidPosition(files: readonly FileDiff[], pos: DiffPosition): boolean {
  // GitLab looks the file up by either path; prefer the file matching both (a rename next to a new file).
  const file =
    files.find((f) => f.old_path === pos.old_path && f.new_path === pos.new_path) ??
    files.find((f) => f.new_path === pos.new_path || f.old_path === pos.old_path);
  if (file === undefined) return false;
  const hasOld = given(pos.old_line);
  const hasNew = given(pos.new_line);
  if (!hasOld && !hasNew) return false;
  return parseDiffLines(file.diff).some((line) => {
    if (hasOld && hasNew) {
      return line.type === "context" && line.old_line === pos.old_line && line.new_line === pos.new_line;
    }
    if (hasNew) return line.type === "new" && line.new_line === pos.new_line;
    return line.type === "old" && line.old_line === pos.old_line;
  });
}
