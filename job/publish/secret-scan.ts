// The last gate before a commit leaves the runner: the staged diff's added lines must not hold any of the
// job's secret values (as they are, base64- or URL-encoded) nor anything shaped like a well-known token.
// A redactor can clean a note, but a commit cannot be cleaned once pushed (forks, mirrors, caches), so a hit
// here stops the publish instead: nothing is committed or pushed, and the error says where, never what.

export interface SecretFinding {
  /** The file the line belongs to, as the diff names it; null for a diff header. */
  file: string | null;
  /** The line number in the new file; null for a header. */
  line: number | null;
  /** "secret value" or the token shape's name, e.g. "GitLab token". Never the value. */
  kind: string;
}

/** Refusal to commit: the changes hold a secret. Carries only locations. */
export class SecretInChangesError extends Error {
  override readonly name = "SecretInChangesError";
  constructor(readonly findings: readonly SecretFinding[]) {
    const shown = findings
      .slice(0, 5)
      .map((f) =>
        f.file === null ? f.kind : `${f.kind} in ${f.file}${f.line === null ? "" : `:${f.line}`}`,
      );
    const more = findings.length > 5 ? ` and ${findings.length - 5} more` : "";
    super(
      `the changes were not committed or pushed: they contain what looks like a secret (${shown.join("; ")}${more}). ` +
        "Remove it from the files and ask again; secrets belong in CI/CD variables, never in the repository.",
    );
  }
}

/** Secret values shorter than this are not searched for: too likely to occur by chance. */
export const MIN_SECRET_LENGTH = 8;

interface TokenShape {
  kind: string;
  pattern: RegExp;
}

// Prefixed shapes only (each vendor documents its prefix), so ordinary code does not trip them.
export const TOKEN_SHAPES: readonly TokenShape[] = [
  {
    kind: "GitLab token",
    pattern:
      /\b(?:glpat|gldt|glptt|glrt|glrtr|glcbt|glsoat|glffct|glimt|glagent|gloas|glft|glwt)-[A-Za-z0-9_.-]{20,}/g,
  },
  { kind: "Anthropic API key", pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "OpenAI API key", pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: "GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/g },
  { kind: "Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: "Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
];

/** Each secret value as it may appear in a file: as is, base64, base64url and URL-encoded. */
export function secretNeedles(secretValues: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const raw of secretValues) {
    const value = raw.trim();
    if (value.length < MIN_SECRET_LENGTH) continue;
    const bytes = Buffer.from(value, "utf8");
    for (const form of [
      value,
      bytes.toString("base64").replace(/=+$/, ""),
      bytes.toString("base64url"),
      encodeURIComponent(value),
    ]) {
      needles.add(form);
    }
  }
  return [...needles];
}

/** The token shapes in one line of text; placeholders such as `glpat-xxxxxxxxxxxxxxxxxxxx` do not count. */
export function tokenShapesIn(text: string): string[] {
  const kinds: string[] = [];
  for (const { kind, pattern } of TOKEN_SHAPES) {
    for (const match of text.matchAll(pattern)) {
      if (kind === "private key" || looksRandom(match[0])) {
        kinds.push(kind);
        break;
      }
    }
  }
  return kinds;
}

function looksRandom(token: string): boolean {
  const body = token.slice(token.indexOf("-") + 1 || token.indexOf("_") + 1);
  return new Set(body).size >= 8;
}

/**
 * The secrets in a unified diff (`git diff --text`, any context size): the added lines, and the header lines
 * that carry new paths (a file name is published too). Removed and context lines were already in the repo.
 */
export function findSecretsInDiff(diff: string, secretValues: readonly string[]): SecretFinding[] {
  const needles = secretNeedles(secretValues);
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  const report = (file: string | null, line: number | null, kind: string): void => {
    const key = `${file}\u0000${line}\u0000${kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ file, line, kind });
  };
  const check = (text: string, file: string | null, line: number | null, shapes: boolean): void => {
    if (needles.some((needle) => text.includes(needle))) report(file, line, "secret value");
    if (shapes) for (const kind of tokenShapesIn(text)) report(file, line, kind);
  };

  let file: string | null = null;
  let inHunk = false;
  let newLine = 0;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      inHunk = false;
      file = null;
      check(line, null, null, false);
      continue;
    }
    if (!inHunk) {
      if (line.startsWith("+++ ")) {
        const target = line.slice(4);
        file = target === "/dev/null" ? file : unquotePath(target).replace(/^b\//, "");
        check(line, null, null, false);
      } else if (/^(rename|copy) to /.test(line)) {
        check(line, null, null, false);
      } else if (line.startsWith("--- ") && file === null) {
        file = unquotePath(line.slice(4)).replace(/^a\//, "");
      }
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      inHunk = true;
      newLine = Number(hunk[1]);
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith("+")) {
      check(line.slice(1), file, newLine, true);
      newLine++;
    } else if (line.startsWith(" ")) {
      newLine++;
    }
  }
  return findings;
}

function unquotePath(path: string): string {
  if (!path.startsWith('"')) return path;
  try {
    return JSON.parse(path) as string;
  } catch {
    return path.slice(1, -1);
  }
}
