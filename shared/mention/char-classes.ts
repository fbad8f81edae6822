// Character tests shared by the markdown scanners and the handle matcher, on UTF-16 code units.

/** What JavaScript's `\s` matches: Unicode white space, line terminators and the BOM. */
export function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

export function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

export function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

export function isAsciiDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

export function isAsciiAlphanumeric(code: number): boolean {
  return isAsciiLetter(code) || isAsciiDigit(code);
}

/** The characters CommonMark lets a backslash escape: ASCII punctuation. */
export function isAsciiPunctuation(code: number): boolean {
  return (
    (code >= 0x21 && code <= 0x2f) ||
    (code >= 0x3a && code <= 0x40) ||
    (code >= 0x5b && code <= 0x60) ||
    (code >= 0x7b && code <= 0x7e)
  );
}

/** A character of a GitLab username: ASCII letters and digits, `_`, `-` and `.`. */
export function isUsernameChar(code: number): boolean {
  return isAsciiAlphanumeric(code) || code === 0x5f || code === 0x2d || code === 0x2e;
}

/** Lowercases ASCII letters only, so the result has the same length and indexes as the input. */
export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}
