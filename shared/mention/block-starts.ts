// The line-level markdown patterns that start or end a block, each tested at a given position of a line.
// Written as loops, not regexes: a line can be a megabyte of backticks, and a backtracking pattern on it
// would be quadratic.
import { isAsciiDigit, isSpaceOrTab } from "./char-classes.ts";
import type { LineRuns } from "./line-runs.ts";

export interface Fence {
  /** "`" or "~" */
  readonly char: number;
  readonly length: number;
}

/** A run of at least three `` ` `` or `~`; a backtick fence's info string may not contain a backtick. */
export function fenceOpening(line: string, at: number): Fence | undefined {
  const char = line.charCodeAt(at);
  if (char !== 0x60 && char !== 0x7e) return undefined;
  const length = runLength(line, at, char);
  if (length < 3) return undefined;
  if (char === 0x60 && line.indexOf("`", at + length) >= 0) return undefined;
  return { char, length };
}

/** The same character as the opening, at least as long, then only spaces. */
export function closesFence(line: string, at: number, fence: Fence): boolean {
  const length = runLength(line, at, fence.char);
  return length >= fence.length && onlySpacesFrom(line, at + length);
}

/** `#` to `######` followed by a space, a tab or the end of the line. */
export function isAtxHeading(line: string, at: number): boolean {
  const length = runLength(line, at, 0x23);
  if (length < 1 || length > 6) return false;
  const after = line.charCodeAt(at + length);
  return Number.isNaN(after) || isSpaceOrTab(after);
}

/** Three or more of the same `*`, `-` or `_`, with only spaces between: `***`, `- - -`, `___`. */
export function isThematicBreak(line: string, at: number, runs: LineRuns): boolean {
  const char = line.charCodeAt(at);
  if (char !== 0x2a && char !== 0x2d && char !== 0x5f) return false;
  if (runs.end(char, true, at) < line.length) return false;
  let count = 0;
  for (let i = at; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === char) count++;
    else if (!isSpaceOrTab(code)) return false;
  }
  return count >= 3;
}

/** A line of `=` or of `-`, then only spaces: turns the paragraph above into a heading. */
export function isSetextUnderline(line: string, at: number): boolean {
  const char = line.charCodeAt(at);
  if (char !== 0x3d && char !== 0x2d) return false;
  return onlySpacesFrom(line, at + runLength(line, at, char));
}

/** GitLab's multi-line blockquote fence: `>>>` (or longer) alone on its line; its length, or 0. */
export function quoteFenceLength(line: string, at: number, runs: LineRuns): number {
  const end = runs.end(0x3e, false, at);
  return end - at >= 3 && runs.end(0x20, true, end) === line.length ? end - at : 0;
}

export interface ListMarker {
  /** Characters in the marker: 1 for `-`, `*`, `+`; digits plus `.` or `)` for an ordered item. */
  readonly length: number;
  readonly ordered: boolean;
  /** An ordered list that does not start at 1 (cannot interrupt a paragraph). */
  readonly startsAfterOne: boolean;
}

/** A bullet (`-`, `*`, `+`) or an ordered marker (1–9 digits and `.` or `)`), before a space or the end. */
export function listMarker(line: string, at: number): ListMarker | undefined {
  const char = line.charCodeAt(at);
  let length: number;
  let ordered = false;
  let startsAfterOne = false;
  if (char === 0x2a || char === 0x2b || char === 0x2d) {
    length = 1;
  } else {
    let digits = 0;
    while (digits < 10 && isAsciiDigit(line.charCodeAt(at + digits))) digits++;
    const delimiter = line.charCodeAt(at + digits);
    if (digits < 1 || digits > 9 || (delimiter !== 0x2e && delimiter !== 0x29)) return undefined;
    length = digits + 1;
    ordered = true;
    startsAfterOne = Number(line.slice(at, at + digits)) !== 1;
  }
  const after = line.charCodeAt(at + length);
  if (!Number.isNaN(after) && !isSpaceOrTab(after)) return undefined;
  return { length, ordered, startsAfterOne };
}

export function onlySpacesFrom(line: string, at: number): boolean {
  for (let i = at; i < line.length; i++) if (!isSpaceOrTab(line.charCodeAt(i))) return false;
  return true;
}

function runLength(line: string, at: number, char: number): number {
  let end = at;
  while (line.charCodeAt(end) === char) end++;
  return end - at;
}
