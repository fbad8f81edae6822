// The lines of one file's unified diff as GitLab numbers them, and GitLab's rule for whether an inline
// comment's position points at a line the diff shows. The sandbox keeps its own reader (it imports nothing
// of the product): GitLab's is Gitlab::Diff::Parser, whose old_pos and new_pos counters a line code needs.
// https://gitlab.com/gitlab-org/gitlab/-/blob/master/lib/gitlab/diff/parser.rb
import type { FileDiff } from "./file-diff.ts";

export interface DiffLine {
  /** GitLab's line types: "new" (added), "old" (removed), "context" (unchanged; GitLab sends null). */
  type: "new" | "old" | "context";
  old_line: number | null;
  new_line: number | null;
  /** The line without its +/-/space prefix. */
  text: string;
}

/** A diff line with GitLab's old_pos and new_pos: both sides' counters where the line stands. */
interface NumberedLine {
  line: DiffLine;
  oldPos: number;
  newPos: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The diff's lines in order; a hunk header (GitLab's "match" line) resets both counters. */
function* numberedLines(diff: string): Generator<NumberedLine> {
  let oldPos = 0;
  let newPos = 0;
  let inHunk = false;
  for (const raw of diff.split("\n")) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      [oldPos, newPos, inHunk] = [Number(header[1]), Number(header[2]), true];
      continue;
    }
    const sign = raw[0];
    // "\ No newline at end of file" and the empty string after the last newline are not lines.
    if (!inHunk || (sign !== "+" && sign !== "-" && sign !== " ")) continue;
    const at = { oldPos, newPos };
    const text = raw.slice(1);
    if (sign === "+") yield { ...at, line: { type: "new", old_line: null, new_line: newPos++, text } };
    else if (sign === "-") yield { ...at, line: { type: "old", old_line: oldPos++, new_line: null, text } };
    else yield { ...at, line: { type: "context", old_line: oldPos++, new_line: newPos++, text } };
  }
}

export function parseDiffLines(diff: string): DiffLine[] {
  return Array.from(numberedLines(diff), (numbered) => numbered.line);
}

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
  for (const { line, oldPos, newPos } of numberedLines(file.diff)) {
    const matches =
      hasOld && hasNew
        ? line.type === "context" && line.old_line === pos.old_line && line.new_line === pos.new_line
        : hasNew
          ? line.type === "new" && line.new_line === pos.new_line
          : line.type === "old" && line.old_line === pos.old_line;
    if (matches) return { file, line, oldPos, newPos };
  }
  return undefined;
}

export function isValidPosition(files: readonly FileDiff[], pos: DiffPosition): boolean {
  return findPositionLine(files, pos) !== undefined;
}
