// The `(destination "title")` after a link's `]`: a URL and a tooltip, neither of them shown as text, so a
// handle in there (`[docs](https://gitlab.com/@claude)`) mentions no one.
import { isAsciiPunctuation } from "./char-classes.ts";
import type { NeedleFinder } from "./needle-finder.ts";

// cmark's limit. It also bounds how far a failed destination is read, which keeps "](](](…" linear.
const MAX_PAREN_DEPTH = 32;

/** Given the index of the `(` right after a `]`, the index just past the link's closing `)`, or -1. */
export function linkTailEnd(text: string, open: number, find: NeedleFinder): number {
  let i = skipSpace(text, open + 1);
  i = text.charCodeAt(i) === 0x3c ? bracketedDestinationEnd(text, i) : bareDestinationEnd(text, i);
  if (i < 0) return -1;

  const titleStart = skipSpace(text, i);
  const quote = text.charCodeAt(titleStart);
  if (titleStart > i && (quote === 0x22 || quote === 0x27 || quote === 0x28)) {
    const closer = quote === 0x28 ? ")" : String.fromCharCode(quote);
    let close = find(closer, titleStart + 1);
    while (close > 0 && isEscaped(text, close)) close = find(closer, close + 1);
    if (close < 0) return -1;
    i = close + 1;
  }
  i = skipSpace(text, i);
  return text.charCodeAt(i) === 0x29 ? i + 1 : -1;
}

// `<…>`: anything but a line ending or an unescaped `<` or `>`.
function bracketedDestinationEnd(text: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const code = text.charCodeAt(i);
    if (Number.isNaN(code) || code === 0x0a || code === 0x0d || code === 0x3c) return -1;
    if (code === 0x3e) return i + 1;
    i += code === 0x5c && isAsciiPunctuation(text.charCodeAt(i + 1)) ? 2 : 1;
  }
}

// No spaces or controls; parentheses only in balanced pairs.
function bareDestinationEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  for (;;) {
    const code = text.charCodeAt(i);
    if (Number.isNaN(code) || code <= 0x20 || code === 0x7f) break;
    if (code === 0x5c && isAsciiPunctuation(text.charCodeAt(i + 1))) {
      i += 2;
      continue;
    }
    if (code === 0x28 && ++depth > MAX_PAREN_DEPTH) return -1;
    if (code === 0x29) {
      if (depth === 0) break;
      depth--;
    }
    i++;
  }
  return depth === 0 ? i : -1;
}

// Spaces and tabs, with at most one line ending among them.
function skipSpace(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09) i++;
  if (text.charCodeAt(i) === 0x0d) i++;
  if (text.charCodeAt(i) === 0x0a) i++;
  while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09) i++;
  return i;
}

function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
  return backslashes % 2 === 1;
}
