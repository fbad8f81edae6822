// Splits a setting like CLAUDE_ARGS='--verbose --append-system-prompt "Be brief"' into arguments the way a
// POSIX shell would split words, without running a shell: quotes group, a backslash escapes, and nothing is
// expanded ($VAR, globs, `...` and ; stay literal text). The arguments are then passed to execFile-style
// spawns as an array, so no setting ever reaches a shell.

export class SplitArgsError extends Error {
  override readonly name = "SplitArgsError";
}

/**
 * Words of `text` as a POSIX shell splits them: blanks separate, '...' keeps everything literal, "..."
 * keeps blanks and lets a backslash escape " \ $ ` and a newline, a bare backslash escapes the next
 * character. Throws SplitArgsError on an unterminated quote or a trailing backslash.
 *
 *   splitArgs(`--model x --append-system-prompt "Be brief" 'a b'`)
 *   // ["--model", "x", "--append-system-prompt", "Be brief", "a b"]
 */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SplitArgsError("a single quote (') is not closed");
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== "\n") word += text[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      if (!closed) throw new SplitArgsError('a double quote (") is not closed');
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new SplitArgsError("a backslash (\\) ends the text");
      if (text[i + 1] !== "\n") word += text[i + 1];
      else if (word === "") inWord = false;
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
