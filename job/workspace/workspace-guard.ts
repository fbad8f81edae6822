// What the runner remembers about a workspace between preparing it and publishing from it, in this process's
// memory only (the agent can write every file of the checkout, so no file is trusted to keep it):
// - the job's own git directory for it (job-git-dir.ts), made before the agent: publishing runs git there;
// - the repository's config files as they were before the agent ran. Publishing puts them back, so a line
//   the agent added (a `url.<x>.insteadOf` that sends the push elsewhere, a proxy, an extra header) can
//   never see the bot token. Hooks and fsmonitor are switched off on every command line anyway (job/git.ts).
// - the untracked paths that were there before the agent ran (CI caches restored into the project
//   directory, files a before_script made): they are not the agent's work and are never committed.
import { mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Git } from "../git.ts";
import { checkoutConfigFiles } from "./checkout-credentials.ts";
import { createJobGitDir, type JobGitDir } from "./job-git-dir.ts";

interface Remembered {
  configFiles: Map<string, string | null>;
  preexistingUntracked: string[];
  jobGitDir: JobGitDir;
}

const remembered = new Map<string, Remembered>();

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return null;
    throw error;
  }
}

/** Untracked paths (directories collapsed), NUL-separated porcelain; ignored files are not listed. */
export async function untrackedPaths(git: Git): Promise<string[]> {
  const out = await git.out([
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=normal",
    "--ignore-submodules",
  ]);
  return out
    .split("\u0000")
    .filter((entry) => entry.startsWith("?? "))
    .map((entry) => entry.slice(3));
}

/**
 * Called by prepareWorkspace once the checkout is ready (and holds no credential), before the agent runs.
 * The job's git directory goes under `privateDir` (default: a new folder in the OS temp dir).
 */
export async function rememberWorkspace(git: Git, privateDir?: string): Promise<void> {
  const dir = privateDir ?? (await mkdtemp(join(tmpdir(), "agent-bridge-git-")));
  // Independent reads (each a git process or two): at once.
  const [configFiles, preexistingUntracked, jobGitDir, key] = await Promise.all([
    checkoutConfigFiles(git).then(
      async (paths) =>
        new Map(await Promise.all(paths.map(async (path) => [path, await readOrNull(path)] as const))),
    ),
    untrackedPaths(git),
    createJobGitDir(git, dir),
    realpath(git.dir),
  ]);
  remembered.set(key, { configFiles, preexistingUntracked, jobGitDir });
}

/** The job's git directory for a workspace this process prepared. */
export async function jobGitDirOf(dir: string): Promise<JobGitDir> {
  const state = remembered.get(await realpath(dir));
  if (!state) throw new Error(`${dir} was not prepared by this job: there is no git directory of its own`);
  return state.jobGitDir;
}

/**
 * Puts the config files back as they were before the agent ran; true when something had changed. A
 * workspace this process did not prepare (nothing remembered) is left as it is.
 */
export async function restoreWorkspaceConfig(git: Git): Promise<boolean> {
  const state = remembered.get(await realpath(git.dir));
  if (!state) return false;
  let changed = false;
  for (const [path, content] of state.configFiles) {
    const now = await readOrNull(path);
    if (now === content) continue;
    changed = true;
    if (content === null) await rm(path, { force: true });
    else await writeFile(path, content, "utf8");
  }
  return changed;
}

/** The untracked paths that were there before the agent ran. */
export async function preexistingUntracked(dir: string): Promise<readonly string[]> {
  return remembered.get(await realpath(dir))?.preexistingUntracked ?? [];
}

/** Forgets a workspace (tests, or a job that prepares the same directory twice). */
export async function forgetWorkspace(dir: string): Promise<void> {
  remembered.delete(await realpath(dir));
}
