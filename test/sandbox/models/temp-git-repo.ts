// A throwaway git repository with some committed files, for a CLI to work in.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `agent-bridge-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function tempGitRepo(files: Record<string, string>): Promise<TempDir> {
  const dir = await tempDir("repo");
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir.path, name), content);
  git(dir.path, "init", "-q", "-b", "main");
  git(dir.path, "add", "-A");
  git(
    dir.path,
    "-c",
    "user.name=Test",
    "-c",
    "user.email=test@example.invalid",
    "commit",
    "-q",
    "-m",
    "initial",
  );
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
