// The sandbox's repositories: one bare git repository per project path ("group/project" lives in
// <root>/group/project.git), read and written with the real git binary the way GitLab's API does it. Commits
// made through the API are built with plumbing in a temporary index, never in a work tree, and land with a
// compare-and-swap on the branch so a concurrent push is never overwritten.
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { applyCommitActions } from "./commit-actions.ts";
import type { CommitAction, TreeFile } from "./commit-actions.ts";
import { commitInfo, LOG_FORMAT, parseLogRecords, parseRefRecords, REF_FORMAT } from "./commit-info.ts";
import type { CommitInfo } from "./commit-info.ts";
import { parseGitDiff } from "./file-diff.ts";
import type { FileDiff } from "./file-diff.ts";
import { GitCommandError, gitText, rev, runGit } from "./git-command.ts";
import { commitTarget } from "./commit-target.ts";
import { commitTree, EMPTY_TREE, listTree, refValue, writeTree } from "./git-objects.ts";
import { fail } from "./git-operation-error.ts";
import { installHooks } from "./hooks.ts";
import { KeyedQueue } from "./keyed-queue.ts";

export interface Identity {
  name: string;
  email: string;
}

export interface CreateRepoOptions {
  defaultBranch: string;
  /** GitLab's "Initialize repository with a README": one commit "Initial commit" adding README.md. */
  readme?: { content: string; author: Identity };
}

/** The body of GitLab's POST /projects/:id/repository/commits, in camelCase where GitLab has snake_case. */
export interface CommitOptions {
  branch: string;
  startBranch?: string;
  startSha?: string;
  message: string;
  actions: readonly CommitAction[];
  author: Identity;
  /** Overwrite an existing `branch` with a commit on top of startBranch/startSha. */
  force?: boolean;
}

export interface Branch {
  name: string;
  commit: CommitInfo;
}

export interface CommitsQuery {
  /** 1-based, like GitLab's `page`. */
  page: number;
  perPage: number;
  /** Only commits touching this file or directory. */
  path?: string;
}

export interface CommitPage {
  items: CommitInfo[];
  total: number;
}

const ZERO_SHA = "0".repeat(40);
const SEGMENT = "[A-Za-z0-9_][A-Za-z0-9_.-]*";
const PROJECT_PATH = new RegExp(`^${SEGMENT}(/${SEGMENT})*$`);

export class RepoStore {
  private readonly writes = new KeyedQueue();

  constructor(readonly root: string) {}

  repoDir(projectPath: string): string {
    const segments = projectPath.split("/");
    const valid =
      PROJECT_PATH.test(projectPath) && segments.every((s) => !s.endsWith(".git") && !s.endsWith(".atom"));
    if (!valid) fail(`Invalid project path '${projectPath}'`);
    return join(this.root, `${projectPath}.git`);
  }

  async exists(projectPath: string): Promise<boolean> {
    try {
      return (await stat(join(this.repoDir(projectPath), "HEAD"))).isFile();
    } catch {
      return false;
    }
  }

  async create(projectPath: string, options: CreateRepoOptions): Promise<void> {
    const gitDir = this.repoDir(projectPath);
    await mkdir(dirname(gitDir), { recursive: true });
    try {
      // Creating the directory ourselves is the lock: `git init` would happily re-initialise an existing one.
      await mkdir(gitDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") fail("has already been taken");
      throw error;
    }
    try {
      await runGit([
        "init",
        "--quiet",
        "--bare",
        // No template: the sample hooks and description are just files to copy.
        "--template=",
        `--initial-branch=${options.defaultBranch}`,
        gitDir,
      ]);
    } catch (error) {
      await rm(gitDir, { recursive: true, force: true });
      if (error instanceof GitCommandError) fail(`Invalid default branch '${options.defaultBranch}'`);
      throw error;
    }
    await installHooks(gitDir);
    if (options.readme !== undefined) {
      // A brand-new repository: no parent, no branch yet, and `git init` has vetted the branch name.
      const readme = options.readme;
      await this.writes.run(gitDir, () =>
        this.writeCommit(
          gitDir,
          {
            branch: options.defaultBranch,
            message: "Initial commit",
            actions: [{ action: "create", file_path: "README.md", content: readme.content }],
            author: readme.author,
          },
          null,
          null,
        ),
      );
    }
  }

  /** Deletes the repository (project deletion). */
  async remove(projectPath: string): Promise<void> {
    await rm(this.repoDir(projectPath), { recursive: true, force: true });
  }

  /** Deletes every repository (the sandbox's reset). */
  async removeAll(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  /** The branch HEAD points at, whether or not it has commits yet. */
  async defaultBranch(projectPath: string): Promise<string | null> {
    const { stdout } = await runGit(["symbolic-ref", "--quiet", "--short", "HEAD"], {
      gitDir: this.repoDir(projectPath),
      okCodes: [1],
    });
    const name = stdout.toString("utf8").trim();
    return name === "" ? null : name;
  }

  async setDefaultBranch(projectPath: string, name: string): Promise<void> {
    if (!(await this.validBranchName(name))) fail("Branch name is invalid");
    await runGit(["symbolic-ref", "HEAD", `refs/heads/${name}`], { gitDir: this.repoDir(projectPath) });
  }

  /** The commit sha a branch, tag, sha or sha prefix names; null when it names none. */
  async resolve(projectPath: string, ref: string): Promise<string | null> {
    const r = rev(ref);
    if (r === null) return null;
    const { stdout } = await runGit(["rev-parse", "--verify", "--quiet", `${r}^{commit}`], {
      gitDir: this.repoDir(projectPath),
      okCodes: [1, 128],
    });
    const sha = stdout.toString("utf8").trim();
    return sha === "" ? null : sha;
  }

  /** The commit a ref names (usually a sha), or null. */
  async getCommit(projectPath: string, ref: string): Promise<CommitInfo | null> {
    const r = rev(ref);
    if (r === null) return null;
    const { stdout } = await runGit(
      ["log", "-1", "--no-walk", `--format=${LOG_FORMAT}`, `${r}^{commit}`, "--"],
      {
        gitDir: this.repoDir(projectPath),
        okCodes: [128],
      },
    );
    return parseLogRecords(stdout.toString("utf8"))[0] ?? null;
  }

  /** All branches with their head commits, sorted by name. */
  async branches(projectPath: string): Promise<Branch[]> {
    return this.listBranches(projectPath, "refs/heads");
  }

  async branch(projectPath: string, name: string): Promise<Branch | null> {
    if (rev(name) === null) return null;
    // for-each-ref matches whole path components, so "feature" also lists "feature/x": keep the exact one.
    const found = await this.listBranches(projectPath, `refs/heads/${name}`);
    return found.find((b) => b.name === name) ?? null;
  }

  async createBranch(projectPath: string, name: string, ref: string): Promise<Branch> {
    const gitDir = this.repoDir(projectPath);
    const [valid, commit] = await Promise.all([this.validBranchName(name), this.getCommit(projectPath, ref)]);
    if (!valid) fail("Branch name is invalid");
    if (commit === null) fail(`Invalid reference name: ${ref}`);
    try {
      await runGit(
        ["update-ref", "-m", "sandbox: create branch", `refs/heads/${name}`, commit.id, ZERO_SHA],
        {
          gitDir,
        },
      );
    } catch (error) {
      if (error instanceof GitCommandError) fail("Branch already exists");
      throw error;
    }
    return { name, commit };
  }

  async deleteBranch(projectPath: string, name: string): Promise<void> {
    const gitDir = this.repoDir(projectPath);
    const current = rev(name) === null ? null : await refValue(gitDir, `refs/heads/${name}`);
    if (current === null) fail("404 Branch Not Found", 404);
    await runGit(["update-ref", "-d", `refs/heads/${name}`, current], { gitDir });
  }

  /** A file's bytes at a ref; null when the ref or the file (or a directory by that name) is missing. */
  async readFile(projectPath: string, ref: string, filePath: string): Promise<Buffer | null> {
    const r = rev(ref);
    if (r === null) return null;
    const { stdout, code } = await runGit(["cat-file", "blob", `${r}:${filePath}`], {
      gitDir: this.repoDir(projectPath),
      okCodes: [128],
    });
    return code === 0 ? stdout : null;
  }

  /** A page of the history of `ref`, newest first, with the total for GitLab's X-Total headers. */
  async commits(projectPath: string, ref: string, query: CommitsQuery): Promise<CommitPage> {
    const gitDir = this.repoDir(projectPath);
    const sha = await this.resolve(projectPath, ref);
    if (sha === null) return { items: [], total: 0 };
    const perPage = Math.max(1, Math.floor(query.perPage));
    const skip = (Math.max(1, Math.floor(query.page)) - 1) * perPage;
    const paths = query.path === undefined || query.path === "" ? ["--"] : ["--", query.path];
    const [log, count] = await Promise.all([
      runGit(["log", `--format=${LOG_FORMAT}`, `--skip=${skip}`, `--max-count=${perPage}`, sha, ...paths], {
        gitDir,
      }),
      gitText(["rev-list", "--count", sha, ...paths], { gitDir }),
    ]);
    return { items: parseLogRecords(log.stdout.toString("utf8")), total: Number(count) };
  }

  async mergeBase(projectPath: string, a: string, b: string): Promise<string | null> {
    const ra = rev(a);
    const rb = rev(b);
    if (ra === null || rb === null) return null;
    const { stdout } = await runGit(["merge-base", ra, rb], {
      gitDir: this.repoDir(projectPath),
      okCodes: [1, 128],
    });
    const sha = stdout.toString("utf8").trim();
    return sha === "" ? null : sha;
  }

  /** GitLab's file diffs from one commit to another (renames detected); a null `fromSha` diffs from nothing. */
  async diff(projectPath: string, fromSha: string | null, toSha: string): Promise<FileDiff[]> {
    const gitDir = this.repoDir(projectPath);
    const from = fromSha === null ? EMPTY_TREE : rev(fromSha);
    const to = rev(toSha);
    if (from === null || to === null) fail("Invalid revision");
    const common = ["diff-tree", "-r", "-M", "--no-commit-id", "--no-ext-diff", "--no-textconv"];
    const [raw, patch] = await Promise.all([
      runGit([...common, "--raw", "-z", "--no-abbrev", from, to, "--"], { gitDir }),
      runGit(
        [...common, "-p", "--full-index", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", from, to, "--"],
        {
          gitDir,
        },
      ),
    ]);
    return parseGitDiff(raw.stdout.toString("utf8"), patch.stdout.toString("utf8"));
  }

  /** GitLab's POST /projects/:id/repository/commits; GitLab's refusals throw GitOperationError. */
  async commit(projectPath: string, options: CommitOptions): Promise<CommitInfo> {
    const gitDir = this.repoDir(projectPath);
    return this.writes.run(gitDir, async () => {
      const { parent, current } = await commitTarget(gitDir, options);
      if (current === null && !(await this.validBranchName(options.branch))) fail("Branch name is invalid");
      return this.writeCommit(gitDir, options, parent, current);
    });
  }

  /** Builds the commit on `parent` and moves the branch from `current` (null: the branch must not exist yet). */
  private async writeCommit(
    gitDir: string,
    options: CommitOptions,
    parent: string | null,
    current: string | null,
  ): Promise<CommitInfo> {
    const before = parent === null ? new Map<string, TreeFile>() : await listTree(gitDir, parent);
    const tree = await writeTree(gitDir, applyCommitActions(before, options.actions));
    const who = options.author;
    const parents = parent === null ? [] : [parent];
    const { id, at } = await commitTree(gitDir, { tree, parents, message: options.message, author: who });
    try {
      // The old value makes this a compare-and-swap: a push that moved the branch meanwhile wins, we fail.
      await runGit(
        ["update-ref", "-m", "sandbox: commit", `refs/heads/${options.branch}`, id, current ?? ZERO_SHA],
        { gitDir },
      );
    } catch (error) {
      if (error instanceof GitCommandError) {
        fail(`Could not update branch ${options.branch}. Please refresh and try again.`);
      }
      throw error;
    }
    return commitInfo({
      id,
      parents,
      message: options.message,
      authorName: who.name,
      authorEmail: who.email,
      authoredDate: at,
      committerName: who.name,
      committerEmail: who.email,
      committedDate: at,
    });
  }

  /**
   * A merge commit of `sourceSha` into `targetBranch`, as GitLab's merge method "merge commit" makes it:
   * the tree from `git merge-tree`, two parents, the branch moved with a compare-and-swap. Null on conflicts.
   */
  async mergeInto(
    projectPath: string,
    options: { targetBranch: string; sourceSha: string; message: string; author: Identity },
  ): Promise<string | null> {
    const gitDir = this.repoDir(projectPath);
    return this.writes.run(gitDir, async () => {
      const target = await refValue(gitDir, `refs/heads/${options.targetBranch}`);
      if (target === null || rev(options.sourceSha) === null) return null;
      const merged = await runGit(["merge-tree", "--write-tree", target, options.sourceSha], {
        gitDir,
        okCodes: [1],
      });
      if (merged.code !== 0) return null;
      const tree = merged.stdout.toString("utf8").split("\n")[0] ?? "";
      const { id } = await commitTree(gitDir, {
        tree,
        parents: [target, options.sourceSha],
        message: options.message,
        author: options.author,
      });
      await runGit(["update-ref", "-m", "sandbox: merge", `refs/heads/${options.targetBranch}`, id, target], {
        gitDir,
      });
      return id;
    });
  }

  private async listBranches(projectPath: string, pattern: string): Promise<Branch[]> {
    const { stdout } = await runGit(["for-each-ref", `--format=${REF_FORMAT}`, pattern], {
      gitDir: this.repoDir(projectPath),
    });
    return parseRefRecords(stdout.toString("utf8"));
  }

  private async validBranchName(name: string): Promise<boolean> {
    if (rev(name) === null || name === "HEAD") return false;
    const { code } = await runGit(["check-ref-format", `refs/heads/${name}`], { okCodes: [1] });
    return code === 0;
  }
}
