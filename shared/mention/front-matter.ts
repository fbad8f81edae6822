// GitLab shows front matter (a `---`, `+++` or `;;;` block at the very top of a note) as a code block, so
// nothing inside it can mention anyone. Follows Gitlab::FrontMatter::PATTERN, minus the encoding line.

const DELIMITERS = ["---", "+++", ";;;"];

/** Where the markdown after the front matter starts: 0 when the note has none. */
export function frontMatterEnd(text: string): number {
  // Only blank lines may come before the opening delimiter, which starts a line.
  let start = 0;
  let i = 0;
  while (i < text.length && isRubyWhitespace(text.charCodeAt(i))) {
    i++;
    if (text.charCodeAt(i - 1) === 0x0a) start = i;
  }
  const delimiter = text.slice(start, start + 3);
  if (i !== start || !DELIMITERS.includes(delimiter)) return 0;

  // The opening line: the delimiter and at most one word, the language.
  let j = start + 3;
  while (j < text.length && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09)) j++;
  while (j < text.length && !isRubyWhitespace(text.charCodeAt(j))) j++;
  let lineStart = afterLineEnding(text, j);
  if (lineStart < 0) return 0;

  while (lineStart < text.length) {
    const end = closingLineEnd(text, lineStart, delimiter);
    if (end >= 0) return end;
    const next = text.indexOf("\n", lineStart);
    if (next < 0) return 0;
    lineStart = next + 1;
  }
  return 0;
}

/** The end of a closing line (the delimiter or `...`, then only spaces) starting at `at`, or -1. */
function closingLineEnd(text: string, at: number, delimiter: string): number {
  if (!text.startsWith(delimiter, at) && !text.startsWith("...", at)) return -1;
  let j = at + 3;
  while (j < text.length && isRubyWhitespace(text.charCodeAt(j)) && !isLineEnd(text.charCodeAt(j))) j++;
  if (j === text.length) return j;
  return afterLineEnding(text, j);
}

function afterLineEnding(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === 0x0d) return text.charCodeAt(at + 1) === 0x0a ? at + 2 : at + 1;
  return code === 0x0a ? at + 1 : -1;
}

function isLineEnd(code: number): boolean {
  return code === 0x0a || code === 0x0d;
}

// Ruby's \s: ASCII white space only.
function isRubyWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}
