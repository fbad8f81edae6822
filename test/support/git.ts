// Running the real git client in tests: no global config is assumed (CI machines have none), and nothing
// may prompt for credentials.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export const GIT_ENV = {
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Test Person",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test Person",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-c", "init.defaultBranch=main", ...args], { cwd, env: GIT_ENV });
  return stdout.trim();
}

/** git, but resolving to the error (with stderr) instead of throwing, for commands expected to fail. */
export async function gitFails(cwd: string, ...args: string[]): Promise<string> {
  try {
    await run("git", args, { cwd, env: GIT_ENV });
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
  throw new Error(`git ${args.join(" ")} succeeded but was expected to fail`);
}

/** `http://oauth2:TOKEN@host/path.git` for a sandbox project. */
export function cloneUrl(baseUrl: string, token: string, path: string, user = "oauth2"): string {
  const u = new URL(`${baseUrl}/${path}.git`);
  u.username = user;
  u.password = token;
  return u.href;
}
