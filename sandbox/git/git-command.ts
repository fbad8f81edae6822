// Runs the real `git` binary for the sandbox. Every call gets the same sealed environment (no system or user
// config, no prompts, C locale, none of the caller's GIT_DIR/GIT_INDEX_FILE) so that behaviour never depends on the
// machine: a developer's global core.hooksPath, for one, would otherwise switch off the protected-branch hook.
import { spawn } from "node:child_process";

export interface GitRunOptions {
  /** Passed as --git-dir; the store's repositories are bare. */
  gitDir?: string;
  cwd?: string;
  /** Added on top of the sealed environment. */
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Exit codes that are answers rather than failures (e.g. 1 from `rev-parse --verify --quiet`). */
  okCodes?: readonly number[];
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (${code ?? "signal"}): ${stderr.trim()}`);
    this.name = "GitCommandError";
  }
}

/** The environment every sandbox git process starts from; `extra` wins. */
export function sealedGitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env["HOME"] ?? "/tmp",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ADVICE: "0",
  };
  const tmp = process.env["TMPDIR"];
  if (tmp !== undefined) env["TMPDIR"] = tmp;
  return { ...env, ...extra };
}

export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
  const fullArgs = options.gitDir === undefined ? [...args] : [`--git-dir=${options.gitDir}`, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn("git", fullArgs, {
      cwd: options.cwd,
      env: sealedGitEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    // git may exit before reading all of its input (e.g. on a bad revision); that is reported by the exit code.
    child.stdin.on("error", () => {});
    child.on("error", reject);
    child.on("close", (code) => {
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        resolve({ stdout: Buffer.concat(out), stderr, code });
      } else {
        reject(new GitCommandError(fullArgs, code, stderr));
      }
    });
    child.stdin.end(options.input);
  });
}

/** stdout as text without the final newline, for commands that print one value. */
export async function gitText(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
  const { stdout } = await runGit(args, options);
  return stdout.toString("utf8").replace(/\n$/, "");
}

/** A revision a caller handed us, or null when git could mistake it for an option. */
export function rev(ref: string): string | null {
  return ref === "" || ref.startsWith("-") || /[\0\n]/.test(ref) ? null : ref;
}
