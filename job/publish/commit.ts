// Turning what the agent left in the working tree into one commit by the runner: the bot as author and
// committer, the person who asked as `Co-authored-by`. Commits the agent may have made itself are folded in
// (their tree is kept, their authorship is not), since the agent must not choose who a commit claims to be.
// Commits are made with `git commit-tree` so no hook, template or signing setting of the checkout runs; they
// are signed only with the job's own key (SSH_SIGNING_KEY, job/git.ts).
import type { Redact } from "../contracts.ts";
import type { Git } from "../git.ts";
import { preexistingUntracked } from "../workspace/workspace-guard.ts";

export interface ChangedPath {
  status: "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed";
  path: string;
  /** For a rename or copy: where it came from. */
  oldPath?: string;
}

/**
 * Soft-resets to `startSha` on the work branch (or a detached HEAD), stages everything the agent left
 * (untracked files too, .gitignore respected), leaves out the paths that were untracked before the agent
 * ran, and lists what is staged. An empty list means nothing to publish.
 */
export async function stageChanges(
  git: Git,
  input: { startSha: string; workBranch: string | null },
): Promise<ChangedPath[]> {
  if (input.workBranch === null) {
    await git.run(["update-ref", "--no-deref", "HEAD", input.startSha]);
  } else {
    const ref = `refs/heads/${input.workBranch}`;
    await git.run(["update-ref", ref, input.startSha]);
    await git.run(["symbolic-ref", "HEAD", ref]);
  }
  await git.run(["add", "--all"]);
  const before = await preexistingUntracked(git.dir);
  if (before.length > 0) {
    await git.run(
      ["--literal-pathspecs", "reset", "-q", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul"],
      {
        input: before.join("\u0000"),
      },
    );
  }
  return stagedChanges(git, "HEAD");
}

/** The staged changes against `base`, renames detected. */
export async function stagedChanges(git: Git, base: string): Promise<ChangedPath[]> {
  const out = await git.out(["diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff", base, "--"]);
  return parseNameStatus(out);
}

function parseNameStatus(out: string): ChangedPath[] {
  const fields = out.split("\u0000");
  const changes: ChangedPath[] = [];
  for (let i = 0; i < fields.length;) {
    const code = fields[i++] ?? "";
    if (code === "") continue;
    const letter = code[0];
    if (letter === "R" || letter === "C") {
      const oldPath = fields[i++] ?? "";
      const path = fields[i++] ?? "";
      changes.push({ status: letter === "R" ? "renamed" : "copied", path, oldPath });
      continue;
    }
    const path = fields[i++] ?? "";
    const status =
      letter === "A" ? "added" : letter === "D" ? "deleted" : letter === "T" ? "type-changed" : "modified";
    changes.push({ status, path });
  }
  return changes;
}

/** The staged diff as text (binary files as text too), for the secret scan. */
export function stagedDiffForScan(git: Git, base: string): Promise<string> {
  return git.out(
    [
      "diff",
      "--cached",
      "--text",
      "--unified=0",
      "--no-color",
      "--no-ext-diff",
      "--no-textconv",
      "-M",
      base,
      "--",
    ],
    { maxBuffer: 512 * 1024 * 1024 },
  );
}

/** A commit of the index's tree with the given parents, by the git handle's identity (the bot). */
export async function commitIndex(
  git: Git,
  input: { parents: readonly string[]; message: string },
): Promise<string> {
  const tree = await git.out(["write-tree"]);
  const parentArgs = input.parents.flatMap((p) => ["-p", p]);
  const sign = git.signs ? "-S" : "--no-gpg-sign";
  return git.out(["commit-tree", sign, tree, ...parentArgs, "-F", "-"], { input: input.message });
}

export interface CommitFacts {
  parents: string[];
  authorEmail: string;
  /** The committer's timestamp, epoch seconds. */
  committedAt: number;
  message: string;
}

/** Parents, author e-mail, commit time and message of a commit, read from the object (its parents need not be present). */
export async function commitFacts(git: Git, sha: string): Promise<CommitFacts> {
  const raw = await git.out(["cat-file", "commit", sha]);
  const split = raw.indexOf("\n\n");
  const header = split === -1 ? raw : raw.slice(0, split);
  const message = split === -1 ? "" : raw.slice(split + 2);
  const parents: string[] = [];
  let authorEmail = "";
  let committedAt = 0;
  for (const line of header.split("\n")) {
    if (line.startsWith("parent ")) parents.push(line.slice(7).trim());
    const author = /^author .*<([^>]*)> \d+ [+-]\d{4}$/.exec(line);
    if (author) authorEmail = author[1] ?? "";
    const committer = /^committer .*<[^>]*> (\d+) [+-]\d{4}$/.exec(line);
    if (committer) committedAt = Number(committer[1]);
  }
  return { parents, authorEmail, committedAt, message };
}

/**
 * The bot as author and committer: its commit e-mail from GET /user (GitLab gives a verified address, which
 * a signed commit's committer must be for GitLab to show it Verified), else GitLab's private commit e-mail
 * `<id>-<username>@users.noreply.<host>`, which GitLab ties to the user too.
 */
export function botIdentity(
  user: {
    id: number;
    username: string;
    name?: string | null | undefined;
    commit_email?: string | null | undefined;
  },
  serverUrl: string,
): { name: string; email: string } {
  const email =
    user.commit_email && /^[^\s<>@]+@[^\s<>@]+$/.test(user.commit_email)
      ? user.commit_email
      : `${user.id}-${user.username}@users.noreply.${new URL(serverUrl).hostname}`;
  return { name: user.name || user.username, email };
}

// Message --------------------------------------------------------------------------------------------------

export interface Asker {
  username: string;
  name?: string;
  email?: string;
}

const TITLE_MAX = 72;
const BODY_MAX = 4_000;

/** `Co-authored-by: Name <email>`; with no e-mail, GitLab's no-reply form `username@users.noreply.<host>`. */
export function coAuthorTrailer(asker: Asker, gitlabUrl: string): string {
  const name = oneLine(asker.name ?? "").replace(/[<>]/g, "") || asker.username;
  const email =
    asker.email && /^[^\s<>@]+@[^\s<>@]+$/.test(asker.email)
      ? asker.email
      : `${asker.username.replace(/[^A-Za-z0-9_.-]/g, "")}@users.noreply.${new URL(gitlabUrl).hostname}`;
  return `Co-authored-by: ${name} <${email}>`;
}

/**
 * The commit title: the instruction's first line without the mention (`@claude please fix the typo` →
 * `Fix the typo`), else the summary's first line, else `fallback`; at most 72 characters.
 */
export function commitTitle(input: { instruction: string; summary: string; fallback: string }): string {
  for (const source of [input.instruction, input.summary]) {
    const line = firstLine(source.replace(/(^|\s)@[A-Za-z0-9_][A-Za-z0-9_.-]*/g, " "))
      .replace(/^(please|pls|kindly|can you|could you|would you)\b[\s,:]*/i, "")
      .replace(/^(please)\b[\s,:]*/i, "")
      .replace(/[?!.:]+$/, "")
      .trim();
    if (line.length >= 3) return capitalize(truncate(line, TITLE_MAX));
  }
  return truncate(input.fallback, TITLE_MAX);
}

/** Title, the agent's summary, where it was asked, the job, then the trailers; everything redacted. */
export function commitMessage(input: {
  title: string;
  summary: string;
  requestUrl: string | null;
  askerUsername: string;
  jobUrl: string;
  trailers: readonly string[];
  redact: Redact;
}): string {
  // Redacted before it is cut, so a cut can never leave half a secret that the redactor no longer knows.
  const body = truncate(stripTrailers(input.redact(input.summary)).trim(), BODY_MAX);
  const where = input.requestUrl ? ` in ${input.requestUrl}` : "";
  const parts = [
    oneLine(input.title),
    body,
    `Requested by @${input.askerUsername}${where}\nJob: ${input.jobUrl}`,
    [...new Set(input.trailers)].join("\n"),
  ].filter((part) => part !== "");
  return `${input.redact(parts.join("\n\n"))}\n`;
}

/** The `Co-authored-by` trailers of an earlier message, to keep them when amending. */
export function coAuthorTrailers(message: string): string[] {
  return message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^Co-authored-by: .+ <[^<>\s]+>$/i.test(line));
}

function stripTrailers(text: string): string {
  // The agent's text must not add trailers of its own (a forged Co-authored-by or Signed-off-by).
  return text
    .split("\n")
    .filter((line) => !/^[A-Za-z][A-Za-z-]*-by:\s/i.test(line.trim()))
    .join("\n");
}

function firstLine(text: string): string {
  for (const raw of text.split("\n")) {
    const line = oneLine(raw.replace(/^[\s>#*`_~-]+/, "").replace(/[`*_~]/g, ""));
    if (line !== "") return line;
  }
  return "";
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
