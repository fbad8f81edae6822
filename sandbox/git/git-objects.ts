// Git plumbing the sandbox's repositories are written with: what a ref points at, a commit's tree as a
// listing, a tree written from a listing through a throwaway index (never a work tree), and a commit object
// with GitLab's author and committer dates (whole seconds, UTC).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TreeFile } from "./commit-actions.ts";
import { gitText, runGit } from "./git-command.ts";

export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** What a full ref name (or revision) points at, or null. */
export async function refValue(gitDir: string, name: string): Promise<string | null> {
  const { stdout } = await runGit(["rev-parse", "--verify", "--quiet", name], {
    gitDir,
    okCodes: [1, 128],
  });
  const sha = stdout.toString("utf8").trim();
  return sha === "" ? null : sha;
}

/** True for a repository without a branch (GitLab's empty repository). */
export async function isEmpty(gitDir: string): Promise<boolean> {
  const out = await gitText(["for-each-ref", "--count=1", "--format=x", "refs/heads"], { gitDir });
  return out === "";
}

export async function listTree(gitDir: string, commit: string): Promise<Map<string, TreeFile>> {
  const { stdout } = await runGit(["ls-tree", "-r", "-z", "--full-tree", commit], { gitDir });
  const files = new Map<string, TreeFile>();
  for (const line of stdout.toString("utf8").split("\0")) {
    // "<mode> <type> <sha>\t<path>"
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const [mode = "", , sha = ""] = line.slice(0, tab).split(" ");
    files.set(line.slice(tab + 1), { mode, sha });
  }
  return files;
}

/** Writes new blobs and a tree for the listing through a throwaway index; returns the tree's sha. */
export async function writeTree(gitDir: string, files: ReadonlyMap<string, TreeFile>): Promise<string> {
  if (files.size === 0) return EMPTY_TREE;
  const scratch = await mkdtemp(join(tmpdir(), "sandbox-commit-"));
  try {
    const entries = [...files];
    const pending = entries.flatMap(([, f]) => ("content" in f ? [f.content] : []));
    const blobPaths = pending.map((_, i) => join(scratch, `blob-${i}`));
    await Promise.all(pending.map((content, i) => writeFile(blobPaths[i] as string, content)));
    const written =
      pending.length === 0
        ? []
        : (
            await gitText(["hash-object", "-w", "--no-filters", "--stdin-paths"], {
              gitDir,
              input: blobPaths.join("\n") + "\n",
            })
          ).split("\n");
    let nextBlob = 0;
    const indexInfo = entries
      .map(([path, f]) => {
        const sha = "content" in f ? written[nextBlob++] : f.sha;
        const type = f.mode === "160000" ? "commit" : "blob";
        return `${f.mode} ${type} ${sha}\t${path}\0`;
      })
      .join("");
    const env = { GIT_INDEX_FILE: join(scratch, "index") };
    await runGit(["update-index", "-z", "--index-info"], { gitDir, env, input: indexInfo });
    return await gitText(["write-tree"], { gitDir, env });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes a commit object; answers its id and the ISO time GitLab shows for it. */
export async function commitTree(
  gitDir: string,
  commit: {
    tree: string;
    parents: readonly string[];
    message: string;
    author: { name: string; email: string };
  },
): Promise<{ id: string; at: string }> {
  const seconds = Math.floor(Date.now() / 1000);
  const date = `@${seconds} +0000`;
  const who = commit.author;
  const id = await gitText(
    ["commit-tree", commit.tree, ...commit.parents.flatMap((p) => ["-p", p]), "-F", "-"],
    {
      gitDir,
      input: commit.message,
      env: {
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email,
        GIT_COMMITTER_DATE: date,
      },
    },
  );
  return { id, at: new Date(seconds * 1000).toISOString().replace("Z", "+00:00") };
}
