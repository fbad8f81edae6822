// Whether a visible "@" starts a mention of one of the handles: a whole handle, set off from the words
// around it. GitLab reads the longest run of username characters after the "@" as the username, so
// "@claudette", "@claude-bot", "@claude.bot" and "@claude/sub" (a group path) name someone else; trailing dots
// are punctuation, since no username ends in one. Before the "@" there must be a word boundary: white space,
// sentence punctuation, or opening brackets, quotes and emphasis that themselves follow one. That rules out
// e-mail addresses and "foo@claude", "/@claude", "=@codex", "\@claude".
import type { Assistant } from "./assistants.ts";
import { asciiLowerCase, isUsernameChar, isWhitespace } from "./char-classes.ts";
import { MAX_USERNAME_LENGTH } from "./gitlab-username.ts";
import type { HandleTable } from "./handle-table.ts";
import type { VisibleAt } from "./inline-scanner.ts";

// Brackets, quotes and emphasis markers that may stand between a boundary and the "@": (@claude, "@claude",
// **@claude**, _@codex_, ~~@claude~~.
const OPENING = new Set([..."*_~([{\"'“‘«‹„‚「『（【"].map((c) => c.charCodeAt(0)));
// Punctuation that ends the word before: "cc:@claude", "hey,@codex", table cells "|@claude|".
const BEFORE = new Set([...",;:!?|—–、。，！？：；"].map((c) => c.charCodeAt(0)));
// What may follow the handle: closing brackets, quotes and emphasis, and sentence punctuation. A "/" (group
// path), "@", "-" or any letter, digit, combining mark or format character (a zero-width joiner) may not.
const AFTER = new Set([...",!?:;)]}\"'*~<|”’»›…—–、。，！？：；）」』】"].map((c) => c.charCodeAt(0)));
// Emoji count as a boundary on either side: "@claude🙏 please".
const PICTOGRAPHIC = /^\p{Extended_Pictographic}/u;

export function matchHandle(text: string, at: VisibleAt, table: HandleTable): Assistant | undefined {
  const nameStart = at.index + 1;

  let wordStart = at.index;
  let underscores = 0;
  while (wordStart > 0 && OPENING.has(text.charCodeAt(wordStart - 1))) {
    if (text.charCodeAt(wordStart - 1) === 0x5f) underscores++;
    wordStart--;
  }
  if (wordStart > 0 && wordStart !== at.afterHtml && !isBoundaryBefore(text, wordStart - 1)) return undefined;

  let runEnd = nameStart;
  while (runEnd < text.length && isUsernameChar(text.charCodeAt(runEnd))) runEnd++;
  if (runEnd < text.length && !isBoundaryAfter(text, runEnd)) return undefined;

  // "thanks @claude." ends with punctuation; "_@codex_" ends with the emphasis it opened. An underscore
  // with no closing one is literal text, and a word character to GitLab: "_@claude" is no mention.
  let nameEnd = withoutTrailingDots(text, nameStart, runEnd);
  let closed = 0;
  while (closed < underscores && nameEnd > nameStart && text.charCodeAt(nameEnd - 1) === 0x5f) {
    nameEnd--;
    closed++;
  }
  if (underscores > 0 && closed === 0) return undefined;
  nameEnd = withoutTrailingDots(text, nameStart, nameEnd);
  if (nameEnd === nameStart || nameEnd - nameStart > MAX_USERNAME_LENGTH) return undefined;
  return table.byHandle.get(asciiLowerCase(text.slice(nameStart, nameEnd)));
}

function withoutTrailingDots(text: string, start: number, end: number): number {
  let i = end;
  while (i > start && text.charCodeAt(i - 1) === 0x2e) i--;
  return i;
}

function isBoundaryBefore(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (isWhitespace(code) || BEFORE.has(code)) return true;
  if (code < 0x80) return false;
  // An emoji outside the BMP ends with a low surrogate: test the whole pair.
  const start = code >= 0xdc00 && code <= 0xdfff && index > 0 ? index - 1 : index;
  return PICTOGRAPHIC.test(text.slice(start, index + 1));
}

function isBoundaryAfter(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (isWhitespace(code) || AFTER.has(code)) return true;
  return code >= 0x80 && PICTOGRAPHIC.test(text.slice(index, index + 2));
}
