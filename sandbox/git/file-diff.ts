// GitLab's per-file diff JSON, built from one `git diff --raw -z` and one `git diff -p` over the same commits.

/** One changed file as GitLab's diff APIs (MR changes/diffs, commit diff, compare) return it. */
export interface FileDiff {
  old_path: string;
  new_path: string;
  /** Octal file modes as GitLab prints them: "100644", "100755", "120000", or "0" for no file. */
  a_mode: string;
  b_mode: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  generated_file: false;
  /** Unified diff from the first "@@" line, as GitLab gives it; "" for pure renames and mode changes. */
  diff: string;
}

interface RawEntry {
  oldMode: string;
  newMode: string;
  status: string;
  oldPath: string;
  newPath: string;
}

function parseRaw(raw: string): RawEntry[] {
  const tokens = raw.split("\0");
  const entries: RawEntry[] = [];
  for (let i = 0; i < tokens.length;) {
    const header = tokens[i++] ?? "";
    if (!header.startsWith(":")) continue;
    // ":<old mode> <new mode> <old sha> <new sha> <status><score>" then one path, or two for renames/copies.
    const [oldMode = "", newMode = "", , , status = ""] = header.slice(1).split(" ");
    const letter = status.charAt(0);
    const oldPath = tokens[i++] ?? "";
    const newPath = letter === "R" || letter === "C" ? (tokens[i++] ?? "") : oldPath;
    entries.push({ oldMode, newMode, status: letter, oldPath, newPath });
  }
  return entries;
}

/** The patch split at each "diff --git" line; each chunk keeps its header lines. */
function splitPatch(patch: string): string[][] {
  const chunks: string[][] = [];
  const lines = patch.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    // Hunk lines always start with " ", "+", "-" or "\", so this only ever matches a file header.
    if (line.startsWith("diff --git ")) chunks.push([]);
    chunks[chunks.length - 1]?.push(line);
  }
  return chunks;
}

function hunkText(chunk: readonly string[]): string {
  const start = chunk.findIndex((line) => line.startsWith("@@"));
  if (start >= 0) return chunk.slice(start).join("\n") + "\n";
  const binary = chunk.find((line) => line.startsWith("Binary files "));
  return binary === undefined ? "" : `${binary}\n`;
}

function gitlabMode(mode: string): string {
  return mode.replace(/^0+/, "") || "0";
}

export function parseGitDiff(raw: string, patch: string): FileDiff[] {
  const chunks = splitPatch(patch);
  let next = 0;
  return parseRaw(raw).map((entry) => {
    // git prints a type change (file <-> symlink) as a deletion and an addition: two chunks for one entry.
    const taken = chunks.slice(next, next + (entry.status === "T" ? 2 : 1));
    next += taken.length;
    return {
      old_path: entry.oldPath,
      new_path: entry.newPath,
      a_mode: gitlabMode(entry.oldMode),
      b_mode: gitlabMode(entry.newMode),
      new_file: entry.status === "A",
      renamed_file: entry.status === "R",
      deleted_file: entry.status === "D",
      generated_file: false,
      diff: taken.map(hunkText).join(""),
    };
  });
}
