// Writing assistants' handles so they notify no one: a bare @claude in a note would notify a GitLab user of
// that name (and @all the whole project), so the placeholder writes each as `@claude` in a code span.
/**
 * Writes every `@handle` of `handles` (and `@all`, which would notify the whole project) that a reader would
 * see as a mention as `` `@handle` ``: outside fenced code and code spans, not inside an e-mail address or a
 * longer username. Case-insensitive, like GitLab's usernames.
 */
export function neutralizeMentions(text: string, handles: readonly string[]): string {
  const names = [...new Set([...handles, "all"].map((h) => h.replace(/^@/, "").toLowerCase()))]
    .filter((h) => /^[a-z0-9_][a-z0-9_.-]*$/.test(h))
    .map((h) => h.replace(/[.-]/g, (c) => `\\${c}`));
  if (names.length === 0) return text;
  const mention = new RegExp(
    `(^|[^A-Za-z0-9_.+\\-@/\`])@(${names.join("|")})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9_])`,
    "gi",
  );

  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (
        opener &&
        opener[1]?.[0] === fence[0] &&
        (opener[1]?.length ?? 0) >= fence.length &&
        line.trim() === opener[1]
      ) {
        fence = null;
      }
      out.push(line);
      continue;
    }
    if (opener?.[1] !== undefined) {
      fence = opener[1];
      out.push(line);
      continue;
    }
    out.push(
      outsideCodeSpans(line, (plain) =>
        plain.replace(mention, (_m, before: string, name: string) => `${before}\`@${name}\``),
      ),
    );
  }
  return out.join("\n");
}

// Applies `edit` to the parts of a line outside inline code spans (a run of N backticks up to the next run
// of exactly N); an unmatched run is plain text.
function outsideCodeSpans(line: string, edit: (plain: string) => string): string {
  let result = "";
  let plainStart = 0;
  let i = 0;
  while (i < line.length) {
    if (line[i] !== "`") {
      i++;
      continue;
    }
    let runEnd = i;
    while (line[runEnd] === "`") runEnd++;
    const run = line.slice(i, runEnd);
    const close = findRun(line, runEnd, run.length);
    if (close < 0) {
      i = runEnd;
      continue;
    }
    result += edit(line.slice(plainStart, i)) + line.slice(i, close + run.length);
    i = close + run.length;
    plainStart = i;
  }
  return result + edit(line.slice(plainStart));
}

function findRun(line: string, from: number, length: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] !== "`") continue;
    let end = i;
    while (line[end] === "`") end++;
    if (end - i === length) return i;
    i = end - 1;
  }
  return -1;
}
