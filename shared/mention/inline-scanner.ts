// Inside one visible block, where an "@" is prose a reader sees. Skips what CommonMark and GitLab render as
// something else: code spans, raw HTML tags and comments, code-like HTML elements, autolinks, bare URLs,
// link destinations and titles, image descriptions, and backslash-escaped characters. One left-to-right pass;
// every lookahead is either bounded or remembered, so the whole scan stays linear.
import { createBacktickIndex } from "./backtick-index.ts";
import { isAsciiAlphanumeric, isAsciiLetter, isAsciiPunctuation, isWhitespace } from "./char-classes.ts";
import { CLOSING_TAG, HIDDEN_ELEMENTS, OPEN_TAG, URI_AUTOLINK } from "./html-syntax.ts";
import { linkTailEnd } from "./link-destination.ts";
import { createNeedleFinder, type NeedleFinder } from "./needle-finder.ts";

export interface VisibleAt {
  /** Index of the "@" in the block's text. */
  readonly index: number;
  /** Index just past the last raw HTML before it (-1 if none): `<b>@claude` starts a word there. */
  readonly afterHtml: number;
}

interface BracketOpener {
  readonly image: boolean;
  /** How many "@"s were found before it: an image's description is dropped by truncating to this. */
  readonly found: number;
}

export function visibleAtSigns(text: string): VisibleAt[] {
  const found: VisibleAt[] = [];
  const brackets: BracketOpener[] = [];
  const find = createNeedleFinder(text);
  const closingBackticks = createBacktickIndex(text);
  let afterHtml = -1;
  let escaped = -1;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    switch (code) {
      case 0x5c: // \: the next punctuation character is literal, so "\@claude" is not a mention
        if (isAsciiPunctuation(text.charCodeAt(i + 1))) {
          escaped = i + 1;
          i += 2;
        } else {
          i++;
        }
        break;
      case 0x60: {
        // `: a code span runs to the next run of exactly as many backticks; without one the run is literal
        let end = i + 1;
        while (text.charCodeAt(end) === 0x60) end++;
        const close = closingBackticks(i, end - i);
        i = close < 0 ? end : close + (end - i);
        break;
      }
      case 0x3c: {
        // <
        const end = rawHtmlEnd(text, i, find);
        if (end > i) afterHtml = end;
        i = end > i ? end : i + 1;
        break;
      }
      case 0x5b: // [
        brackets.push({ image: text.charCodeAt(i - 1) === 0x21 && escaped !== i - 1, found: found.length });
        i++;
        break;
      case 0x5d: {
        // ]
        const opener = brackets.pop();
        const next = text.charCodeAt(i + 1);
        // An image's description becomes its alt text: not shown as prose.
        if (opener?.image === true && (next === 0x28 || next === 0x5b)) found.length = opener.found;
        const end = opener !== undefined && next === 0x28 ? linkTailEnd(text, i + 1, find) : -1;
        i = end > 0 ? end : i + 1;
        break;
      }
      case 0x3a: // :, as in "https://"
        i =
          text.startsWith("//", i + 1) && isAsciiAlphanumeric(text.charCodeAt(i - 1))
            ? urlEnd(text, i + 3)
            : i + 1;
        break;
      case 0x57:
      case 0x77: // w, as in "www."
        i = startsWww(text, i) ? urlEnd(text, i + 4) : i + 1;
        break;
      case 0x40: // @
        found.push({ index: i, afterHtml });
        i++;
        break;
      default:
        i++;
    }
  }
  return found;
}

/** The end of the raw HTML starting at `<`, or -1 when it is a literal `<`. */
function rawHtmlEnd(text: string, i: number, find: NeedleFinder): number {
  const next = text.charCodeAt(i + 1);
  if (next === 0x21) {
    // <!
    if (text.startsWith("<!--", i)) {
      if (text.startsWith(">", i + 4)) return i + 5;
      if (text.startsWith("->", i + 4)) return i + 6;
      const close = find("-->", i + 4);
      // Unclosed, it hides the rest, as GitLab's HTML sanitizer does.
      return close < 0 ? text.length : close + 3;
    }
    if (text.startsWith("<![CDATA[", i)) return endAfter(find, "]]>", i + 9);
    return isAsciiLetter(text.charCodeAt(i + 2)) ? endAfter(find, ">", i + 2) : -1;
  }
  if (next === 0x3f) return endAfter(find, "?>", i + 2);
  if (next === 0x2f) return stickyEnd(CLOSING_TAG, text, i);
  if (!isAsciiLetter(next)) return -1;

  const autolink = stickyEnd(URI_AUTOLINK, text, i);
  if (autolink > 0) return autolink;
  OPEN_TAG.lastIndex = i;
  const tag = OPEN_TAG.exec(text);
  if (tag === null) return -1;
  const tagEnd = OPEN_TAG.lastIndex;
  const closing = tag[2] === "" ? HIDDEN_ELEMENTS.get((tag[1] ?? "").toLowerCase()) : undefined;
  if (closing === undefined) return tagEnd;
  // <code>, <pre>…: hidden up to the closing tag, or to the end of the block when it is missing.
  closing.lastIndex = tagEnd;
  return closing.exec(text) === null ? text.length : closing.lastIndex;
}

function endAfter(find: NeedleFinder, closer: string, from: number): number {
  const at = find(closer, from);
  return at < 0 ? -1 : at + closer.length;
}

function stickyEnd(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

// A bare URL (GitLab links them) runs to the next white space or "<".
function urlEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isWhitespace(text.charCodeAt(i)) && text.charCodeAt(i) !== 0x3c) i++;
  return i;
}

function startsWww(text: string, i: number): boolean {
  return (
    !isAsciiAlphanumeric(text.charCodeAt(i - 1)) &&
    (text.charCodeAt(i + 1) | 0x20) === 0x77 &&
    (text.charCodeAt(i + 2) | 0x20) === 0x77 &&
    text.charCodeAt(i + 3) === 0x2e
  );
}
