// A real bare git repository with one commit on `main`, for the runner tests to clone. Git runs with an explicit
// identity and a throwaway HOME, so no global or system git configuration is needed or used.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface GitFixture {
  /** Scratch directory for the test; holds the repositories and can hold a workRoot. */
  root: string;
  /** Path of the bare repository: what jobs clone. */
  bare: string;
  /** The commit on main. */
  sha: string;
}

export async function createGitFixture(
  files: Record<string, string> = { "README.md": "# demo\n" },
): Promise<GitFixture> {
  const root = await mkdtemp(join(tmpdir(), "runner-test-"));
  const home = join(root, "home");
  await mkdir(home);
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    LANG: "C.UTF-8",
  };
  const git = async (cwd: string, ...args: string[]): Promise<string> =>
    (await run("git", args, { cwd, env })).stdout.trim();
  const work = join(root, "work");
  await git(root, "-c", "init.defaultBranch=main", "init", "--quiet", work);
  for (const [path, content] of Object.entries(files)) await writeFile(join(work, path), content);
  await git(work, "add", "--all");
  await git(
    work,
    "-c",
    "user.name=Runner Test",
    "-c",
    "user.email=runner-test@example.test",
    "-c",
    "commit.gpgsign=false",
    "commit",
    "--quiet",
    "--message",
    "Initial commit",
  );
  const bare = join(root, "repo.git");
  await git(root, "clone", "--quiet", "--bare", work, bare);
  return { root, bare, sha: await git(work, "rev-parse", "HEAD") };
}
