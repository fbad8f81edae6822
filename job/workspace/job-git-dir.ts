// The job's own git directory for a workspace, made before the agent runs and kept outside the working tree:
// after the agent, every git call of the job uses it (GIT_DIR) with the agent's tree as the work tree and an
// index of its own, so nothing the agent wrote under the checkout's `.git/` (config, hooks, attributes,
// alternates, refs) is read by the job's git. It holds the checkout's refs, HEAD, index, shallow list and
// info/exclude as they were before the agent; objects are read through an alternate (content-addressed:
// whatever the job commits, it hashes itself from the tree). Also a fingerprint of the checkout's `.git/`
// files that steer git, to tell whether the agent changed them. It must never copy the checkout's config.
import { createHash } from "node:crypto";
import { copyFile, lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { createGit, type CreateGitOptions, type Git } from "../git.ts";

/** Files and folders of a `.git/` that change what git runs or where it pushes; the agent must not touch them. */
const STEERING = [
  "config",
  "config.worktree",
  "hooks",
  "info/attributes",
  "info/grafts",
  "info/sparse-checkout",
  "objects/info",
  "modules",
  "worktrees",
  "commondir",
  "remotes",
  "branches",
];

export interface JobGitDir {
  /** The job's git directory. */
  gitDir: string;
  /** The index the job stages into. */
  indexFile: string;
  /** The checkout's git directory, as it was found. */
  checkoutGitDir: string;
  /** Hashes of the steering files of the checkout's `.git/` before the agent ran. */
  fingerprint: Map<string, string>;
}

/** Makes the job's git directory under `privateDir` from the checkout, which is still as CI and the job left it. */
export async function createJobGitDir(checkout: Git, privateDir: string): Promise<JobGitDir> {
  // What is read of the checkout, all at once: its paths in one git call, its refs, HEAD.
  const names = ["objects", "shallow", "index", "info/exclude"] as const;
  const gitDir = join(privateDir, "git");
  const [located, refs, head, symbolic] = await Promise.all([
    checkout.out([
      "rev-parse",
      "--path-format=absolute",
      "--git-common-dir",
      ...names.flatMap((name) => ["--git-path", name]),
    ]),
    checkout.out(["for-each-ref", "--format=%(objectname) %(refname)"]),
    checkout.out(["rev-parse", "--verify", "HEAD^{commit}"]),
    checkout.run(["symbolic-ref", "-q", "HEAD"], { okCodes: [1] }),
    mkdir(gitDir, { recursive: true, mode: 0o700 }).then(() =>
      createGit({ dir: gitDir }).run(["init", "-q", "--bare"]),
    ),
  ]);
  const [checkoutGitDir = "", ...paths] = located.split("\n").map((line) => line.trim());
  const path = (name: (typeof names)[number]) => paths[names.indexOf(name)] ?? "";
  await mkdir(join(gitDir, "objects", "info"), { recursive: true });
  await mkdir(join(gitDir, "info"), { recursive: true });
  await Promise.all([
    writeFile(join(gitDir, "objects", "info", "alternates"), `${path("objects")}\n`),
    ...(["shallow", "index", "info/exclude"] as const).map((name) =>
      copyFile(path(name), join(gitDir, name)).catch(ignoreMissing),
    ),
  ]);

  const job = createGit({ dir: checkout.dir, gitDir });
  const updates = refs
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [sha, ref] = line.split(" ");
      return `update ${ref} ${sha}\n`;
    });
  if (updates.length > 0) await job.run(["update-ref", "--stdin"], { input: updates.join("") });
  if (symbolic.code === 0) await job.run(["symbolic-ref", "HEAD", symbolic.stdout.trim()]);
  else await job.run(["update-ref", "--no-deref", "HEAD", head.trim()]);

  return {
    gitDir,
    indexFile: join(gitDir, "index"),
    checkoutGitDir,
    fingerprint: await fingerprintOf(checkoutGitDir),
  };
}

/** A sealed git on the agent's tree with the job's git directory and index. */
export function jobGit(
  dir: JobGitDir,
  workTree: string,
  options: Omit<CreateGitOptions, "dir" | "gitDir" | "indexFile">,
): Git {
  return createGit({ ...options, dir: workTree, gitDir: dir.gitDir, indexFile: dir.indexFile });
}

/**
 * The steering files of the checkout's `.git/` that are not as they were before the agent. Claude Code's
 * command sandbox (scrub mode) leaves stubs behind as mount points: an empty `config.worktree`, a
 * `commondir` holding ".", empty `modules/` and `worktrees/`. A new file that is such a stub is not counted,
 * and is removed, so that a later job on the same checkout does not find it.
 */
export async function changedSteeringFiles(dir: JobGitDir): Promise<string[]> {
  const now = await fingerprintOf(dir.checkoutGitDir);
  const changed: string[] = [];
  for (const path of new Set([...dir.fingerprint.keys(), ...now.keys()])) {
    const before = dir.fingerprint.get(path);
    const after = now.get(path);
    if (before === after) continue;
    if (before === undefined && (after === EMPTY || (path === "commondir" && after === DOT))) {
      await rm(join(dir.checkoutGitDir, path), { force: true });
      continue;
    }
    changed.push(path);
  }
  return changed.sort();
}

/**
 * The checkout's `info/exclude` as it is now, for the job's git directory: the agent (or its CLI, which lists
 * the stub files of its sandbox there) may only make the job publish less with it. Only a plain file of
 * reasonable size is taken.
 */
export async function takeExcludes(dir: JobGitDir): Promise<void> {
  const source = join(dir.checkoutGitDir, "info", "exclude");
  const stat = await lstat(source).catch(() => null);
  if (stat === null || !stat.isFile() || stat.size > 1024 * 1024) return;
  await writeFile(join(dir.gitDir, "info", "exclude"), await readFile(source));
}

async function fingerprintOf(gitDir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  // Links are noted, never followed: the agent may have turned `hooks` into a link to anywhere.
  const visit = async (path: string): Promise<void> => {
    const stat = await lstat(path).catch((error: unknown) => {
      if (isCode(error, "ENOENT")) return null;
      throw error;
    });
    if (stat === null) return;
    const name = relative(gitDir, path);
    if (stat.isSymbolicLink()) hashes.set(name, `link ${await readlink(path)}`);
    else if (stat.isFile()) hashes.set(name, hash(await readFile(path)));
    else if (stat.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
    else hashes.set(name, `special ${stat.mode}`);
  };
  for (const name of STEERING) await visit(join(gitDir, name));
  return hashes;
}

const EMPTY = hash(Buffer.alloc(0));
const DOT = hash(Buffer.from("."));

function hash(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown }).code === code;
}

function ignoreMissing(error: unknown): void {
  if (!isCode(error, "ENOENT")) throw error;
}
