// The project's rules for the agent (CLAUDE.md for Claude; CODEX.md, else AGENTS.md, for Codex) taken from
// the base branch, so that a merge request cannot rewrite the rules its own run obeys: for the run, the working
// tree holds the base branch's versions, and a rules file the base branch does not have is removed. After
// the run, restore() puts the HEAD versions back, unless the agent edited the file itself (then its edit is
// its work and stays), so the swap never shows up in a commit.
//
//   const rules = await applyBaseRules({ workdir, baseRef: "origin/main", assistant: "claude" });
//   try { await runAgent(); } finally { await rules.restore(); }   // before anything is staged
//
// git runs only before the agent, through the job's sealed helper (job/git.ts): everything restore() puts
// back is read then, so after the agent no git reads the checkout the agent could have changed (its config,
// filters, hooks). Nothing is written outside `workdir`: a symlink in the way (a rules file or its folder
// turned into a link by the branch) is replaced, never followed.
import { lstat, mkdir, readdir, readFile, rm, rmdir, symlink, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Assistant } from "./contracts.ts";
import { createGit, type Git } from "./git.ts";

/**
 * The files each CLI reads as project rules. Claude Code also reads CLAUDE.local.md and .claude/CLAUDE.md;
 * Codex reads AGENTS.override.md before AGENTS.md, and CODEX.md when named as a fallback project doc: each
 * would let a branch bring its own rules, so each comes from the base branch too.
 */
export const RULES_FILES: Record<Assistant, readonly string[]> = {
  // Claude Code also takes settings (env, hooks, apiKeyHelper, permissions) and MCP servers from the branch.
  claude: [
    "CLAUDE.md",
    "CLAUDE.local.md",
    ".claude/CLAUDE.md",
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".mcp.json",
  ],
  // CODEX.md first: see SET_ASIDE_BY.
  codex: ["CODEX.md", "AGENTS.override.md", "AGENTS.md"],
};

/**
 * Codex reads only the first of AGENTS.override.md, AGENTS.md and its fallback CODEX.md that the folder has,
 * but the product's rule is CODEX.md first, AGENTS.md as the fallback. So when the base branch has CODEX.md,
 * the other two are set aside for the run (absent from the working tree, put back by restore).
 */
const SET_ASIDE_BY: Readonly<Record<string, readonly string[]>> = {
  "CODEX.md": ["AGENTS.override.md", "AGENTS.md"],
};

export interface RulesFile {
  /** Relative to the repository root, with "/". */
  path: string;
  /** The base branch's version. */
  content: string;
}

export interface AppliedRules {
  /** The rules files the base branch has, as now in the working tree. */
  files: RulesFile[];
  /** Puts the HEAD versions back where the agent left the base version untouched. Call before staging. */
  restore(): Promise<void>;
}

export interface ApplyBaseRulesOptions {
  /** The repository's working tree (its root). */
  workdir: string;
  /** The base branch as the checkout knows it, e.g. "origin/main". */
  baseRef: string;
  assistant: Assistant;
  /** Where git finds PATH and TMPDIR (default process.env); nothing else is passed on. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
}

/** A file or link of HEAD, read before the agent ran, to be written back as it was. */
interface HeadFile {
  mode: string;
  bytes: Buffer;
}

interface Applied {
  path: string;
  /** What was written; null when the file was removed for the run. */
  wrote: Buffer | null;
  /** HEAD's version of the path, if HEAD has it as a file or link. */
  head: HeadFile | null;
}

export async function applyBaseRules(options: ApplyBaseRulesOptions): Promise<AppliedRules> {
  const { workdir, baseRef } = options;
  const repo = createGit({ dir: workdir, hostEnv: options.hostEnv ?? process.env });
  if (baseRef.startsWith("-") || baseRef.trim() === "") {
    throw new Error(`The base ref "${baseRef}" is not a valid git revision.`);
  }
  const base = await repo.out(["rev-parse", "--verify", "--quiet", `${baseRef}^{commit}`]).catch(() => null);
  if (base === null) {
    throw new Error(
      `The base branch ${baseRef} is not in the checkout, so the project's rules cannot be taken from it. ` +
        `Fetch it first (for origin/main: git fetch origin main).`,
    );
  }
  const baseSha = base.trim();
  const headSha = (await repo.out(["rev-parse", "--verify", "HEAD"])).trim();
  const applied: Applied[] = [];
  const replacedParents: string[] = [];
  const createdDirs: string[] = [];
  const files: RulesFile[] = [];
  const setAside = new Set<string>();
  // Every path's two versions are read at once (two git calls a path, a dozen in all, would otherwise run
  // one after the other); the working tree is then changed path by path, in order.
  const paths = RULES_FILES[options.assistant];
  const versions = await Promise.all(
    paths.map((path) => Promise.all([blobAt(repo, baseSha, path), headFile(repo, headSha, path)])),
  );
  for (const [index, path] of paths.entries()) {
    const [baseContent, head] = versions[index] ?? [null, null];
    const content = setAside.has(path) ? null : baseContent;
    if (content !== null) for (const other of SET_ASIDE_BY[path] ?? []) setAside.add(other);
    const target = join(workdir, ...path.split("/"));
    const exists = (await lstatOrNull(target)) !== null;
    if (content === null && !exists && !(await parentIsLink(workdir, path))) continue;
    await makeParents(workdir, path, content !== null, replacedParents, createdDirs);
    await rm(target, { recursive: true, force: true });
    if (content !== null) {
      await writeFile(target, content);
      files.push({ path, content: content.toString("utf8") });
    }
    applied.push({ path, wrote: content, head });
  }
  // A folder that was a link in HEAD comes back as that link.
  const replacedLinks = new Map<string, HeadFile | null>();
  for (const dir of replacedParents) replacedLinks.set(dir, await headFile(repo, headSha, dir));

  let restored = false;
  return {
    files,
    restore: async () => {
      if (restored) return;
      restored = true;
      for (const entry of [...applied].reverse()) {
        const target = join(workdir, ...entry.path.split("/"));
        if (!(await unchanged(target, entry.wrote))) continue;
        await rm(target, { force: true });
        if (entry.head && !replacedParents.some((p) => entry.path.startsWith(`${p}/`))) {
          await writeHeadFile(target, entry.head);
        }
      }
      // Folders made for the run go again when empty; a link the run replaced comes back from HEAD.
      for (const dir of [...createdDirs, ...replacedParents].reverse()) {
        const full = join(workdir, ...dir.split("/"));
        if (!(await isEmptyDir(full))) continue;
        await rmdir(full);
        const link = replacedLinks.get(dir);
        if (link) await writeHeadFile(full, link);
      }
    },
  };
}

/** A file as the base branch has it (a link followed one hop inside the repository), or null. */
export async function readBaseFile(workdir: string, baseRef: string, path: string): Promise<string | null> {
  const bytes = await blobAt(createGit({ dir: workdir, hostEnv: process.env }), `${baseRef}^{commit}`, path);
  return bytes === null ? null : bytes.toString("utf8");
}

/** HEAD's file or link at `path`, or null (absent, or a folder). */
async function headFile(repo: Git, commit: string, path: string): Promise<HeadFile | null> {
  const entry = await treeEntry(repo, commit, path);
  if (!entry || entry.type !== "blob") return null;
  return { mode: entry.mode, bytes: await repo.bytes(["cat-file", "blob", entry.sha]) };
}

async function writeHeadFile(target: string, file: HeadFile): Promise<void> {
  if (file.mode === "120000") await symlink(file.bytes.toString("utf8"), target);
  else await writeFile(target, file.bytes, { mode: file.mode === "100755" ? 0o755 : 0o644 });
}

interface TreeEntry {
  mode: string;
  type: string;
  sha: string;
}

/** The tree entry of `path` at `commit`, or null when the commit does not have it. */
async function treeEntry(repo: Git, commit: string, path: string): Promise<TreeEntry | null> {
  const out = await repo.out(["ls-tree", "-z", commit, "--", path]);
  for (const record of out.split("\0")) {
    const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record);
    if (match && match[4] === path)
      return { mode: match[1] ?? "", type: match[2] ?? "", sha: match[3] ?? "" };
  }
  return null;
}

/**
 * The content of `path` at `commit`: a file's bytes; for a symbolic link, the file it points to in the same
 * commit (one hop, inside the repository); null when there is no such file.
 */
async function blobAt(repo: Git, commit: string, path: string, hops = 0): Promise<Buffer | null> {
  const entry = await treeEntry(repo, commit, path);
  if (!entry || entry.type !== "blob") return null;
  const bytes = await repo.bytes(["cat-file", "blob", entry.sha]);
  if (entry.mode !== "120000") return bytes;
  if (hops > 0) return null;
  const target = posix.normalize(posix.join(posix.dirname(path), bytes.toString("utf8")));
  if (target.startsWith("../") || target === ".." || posix.isAbsolute(target)) return null;
  return blobAt(repo, commit, target, hops + 1);
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch {
    return null;
  }
}

async function parentIsLink(workdir: string, path: string): Promise<boolean> {
  const parts = path.split("/").slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const stat = await lstatOrNull(join(workdir, ...parts.slice(0, i)));
    if (stat === null) return false;
    if (!stat.isDirectory()) return true;
  }
  return false;
}

/** Real folders for `path`: a link or file in the way is removed (noted), a missing folder made if needed. */
async function makeParents(
  workdir: string,
  path: string,
  needed: boolean,
  replaced: string[],
  created: string[],
): Promise<void> {
  const parts = path.split("/").slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join("/");
    const full = join(workdir, ...parts.slice(0, i));
    const stat = await lstatOrNull(full);
    if (stat !== null && stat.isDirectory()) continue;
    if (stat !== null) {
      await rm(full, { force: true });
      if (!replaced.includes(rel)) replaced.push(rel);
    } else if (!needed) {
      return;
    } else if (!created.includes(rel)) {
      created.push(rel);
    }
    await mkdir(full);
  }
}

/** Whether the file is still what the run put there (or still absent when it was removed). */
async function unchanged(target: string, wrote: Buffer | null): Promise<boolean> {
  const stat = await lstatOrNull(target);
  if (wrote === null) return stat === null;
  if (stat === null || !stat.isFile()) return false;
  return (await readFile(target)).equals(wrote);
}

async function isEmptyDir(path: string): Promise<boolean> {
  const stat = await lstatOrNull(path);
  if (stat === null || !stat.isDirectory()) return false;
  return (await readdir(path)).length === 0;
}
