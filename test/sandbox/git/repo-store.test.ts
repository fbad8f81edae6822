// RepoStore against real bare repositories: creation, GitLab's commit actions and their refusals, branches,
// reading files and paging history.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitOperationError } from "../../../sandbox/git/git-operation-error.ts";
import { RepoStore } from "../../../sandbox/git/repo-store.ts";
import type { CommitOptions } from "../../../sandbox/git/repo-store.ts";
import { ada, removeScratchDirs, scratchDir } from "./git-fixtures.ts";

let store: RepoStore;
let counter = 0;

/** A fresh project with README.md on main. */
async function project(readme = true): Promise<string> {
  const path = `group/project-${++counter}`;
  await store.create(path, {
    defaultBranch: "main",
    ...(readme ? { readme: { content: "# Project\n", author: ada } } : {}),
  });
  return path;
}

function commit(path: string, options: Partial<CommitOptions> & Pick<CommitOptions, "actions">) {
  return store.commit(path, { branch: "main", message: "Change", author: ada, ...options });
}

async function refusal(promise: Promise<unknown>): Promise<GitOperationError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitOperationError);
  return error as GitOperationError;
}

async function text(path: string, ref: string, file: string): Promise<string | null> {
  return (await store.readFile(path, ref, file))?.toString("utf8") ?? null;
}

beforeAll(async () => {
  store = new RepoStore(await scratchDir());
});
afterAll(removeScratchDirs);

describe("create", () => {
  it("makes a bare repository with GitLab's README commit", async () => {
    const path = await project();
    expect(store.repoDir(path)).toBe(`${store.root}/${path}.git`);
    expect(await store.exists(path)).toBe(true);
    expect(await store.defaultBranch(path)).toBe("main");
    const branches = await store.branches(path);
    expect(branches.map((b) => b.name)).toEqual(["main"]);
    const head = branches[0]!.commit;
    expect(head).toMatchObject({
      short_id: head.id.slice(0, 8),
      title: "Initial commit",
      message: "Initial commit",
      author_name: ada.name,
      author_email: ada.email,
      committer_name: ada.name,
      committer_email: ada.email,
      parent_ids: [],
    });
    expect(head.id).toMatch(/^[0-9a-f]{40}$/);
    expect(head.authored_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00$/);
    expect(head.created_at).toBe(head.committed_date);
    expect(await store.getCommit(path, head.id)).toEqual(head);
    expect(await store.resolve(path, "main")).toBe(head.id);
    expect(await text(path, "main", "README.md")).toBe("# Project\n");
  });

  it("makes an empty repository whose first commit creates the default branch", async () => {
    const path = await project(false);
    expect(await store.branches(path)).toEqual([]);
    expect(await store.resolve(path, "main")).toBeNull();
    expect(await store.defaultBranch(path)).toBe("main");
    const first = await commit(path, { actions: [{ action: "create", file_path: "a.txt", content: "a" }] });
    expect(first.parent_ids).toEqual([]);
    expect(await store.resolve(path, "main")).toBe(first.id);
  });

  it("refuses a path that is taken and paths that are not project paths", async () => {
    const path = await project();
    expect((await refusal(store.create(path, { defaultBranch: "main" }))).status).toBe(400);
    expect(() => store.repoDir("../escape")).toThrow(GitOperationError);
    expect(() => store.repoDir("group//x")).toThrow(GitOperationError);
    expect(() => store.repoDir("group/x.git")).toThrow(GitOperationError);
  });

  it("removes repositories", async () => {
    const path = await project();
    await store.remove(path);
    expect(await store.exists(path)).toBe(false);
  });
});

describe("commit actions", () => {
  it("creates, updates, moves, chmods and deletes files like GitLab", async () => {
    const path = await project();
    const base = (await store.resolve(path, "main"))!;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const first = await commit(path, {
      message: "Add files\n\nWith a body.",
      actions: [
        { action: "create", file_path: "src/deep/a.ts", content: "export const a = 1;\n" },
        { action: "create", file_path: "logo.png", content: png.toString("base64"), encoding: "base64" },
        { action: "update", file_path: "README.md", content: "# Project\n\nMore.\n" },
      ],
    });
    expect(first).toMatchObject({
      title: "Add files",
      message: "Add files\n\nWith a body.",
      parent_ids: [base],
    });
    expect(await store.getCommit(path, "main")).toEqual(first);
    expect(await text(path, "main", "src/deep/a.ts")).toBe("export const a = 1;\n");
    expect(await store.readFile(path, "main", "logo.png")).toEqual(png);
    expect(await text(path, "main", "README.md")).toBe("# Project\n\nMore.\n");

    await commit(path, {
      actions: [
        { action: "move", previous_path: "src/deep/a.ts", file_path: "src/a.ts" },
        { action: "move", previous_path: "README.md", file_path: "docs/README.md", content: "moved\n" },
        { action: "chmod", file_path: "logo.png", execute_filemode: true },
      ],
    });
    expect(await text(path, "main", "src/a.ts")).toBe("export const a = 1;\n");
    expect(await store.readFile(path, "main", "src/deep/a.ts")).toBeNull();
    expect(await text(path, "main", "docs/README.md")).toBe("moved\n");
    const modes = await store.diff(path, first.id, "main");
    expect(modes.find((f) => f.new_path === "logo.png")).toMatchObject({
      a_mode: "100644",
      b_mode: "100755",
    });

    await commit(path, { actions: [{ action: "delete", file_path: "src/a.ts" }] });
    expect(await store.readFile(path, "main", "src/a.ts")).toBeNull();
    // A directory is not a file.
    expect(await store.readFile(path, "main", "docs")).toBeNull();
    expect(await store.readFile(path, "no-such-ref", "docs/README.md")).toBeNull();
  });

  it("refuses what GitLab refuses, with GitLab's messages, and leaves the branch alone", async () => {
    const path = await project();
    const head = await store.resolve(path, "main");
    const cases: Array<[Partial<CommitOptions> & Pick<CommitOptions, "actions">, string]> = [
      [
        { actions: [{ action: "create", file_path: "README.md", content: "x" }] },
        "A file with this name already exists",
      ],
      [
        { actions: [{ action: "update", file_path: "nope.md", content: "x" }] },
        "A file with this name doesn't exist",
      ],
      [{ actions: [{ action: "delete", file_path: "nope.md" }] }, "A file with this name doesn't exist"],
      [
        { actions: [{ action: "chmod", file_path: "nope.md", execute_filemode: true }] },
        "A file with this name doesn't exist",
      ],
      [
        { actions: [{ action: "move", previous_path: "nope.md", file_path: "b.md" }] },
        "A file with this name doesn't exist",
      ],
      [
        { actions: [{ action: "move", previous_path: "README.md", file_path: "README.md" }] },
        "A file with this name already exists",
      ],
      [
        { actions: [{ action: "create", file_path: "README.md/inner.txt", content: "x" }] },
        "A file with this name already exists",
      ],
      [
        {
          actions: [
            { action: "create", file_path: "dir/a.txt", content: "x" },
            { action: "create", file_path: "dir", content: "x" },
          ],
        },
        "A directory with this name already exists",
      ],
      [
        { branch: "feature", actions: [{ action: "create", file_path: "f.txt", content: "x" }] },
        "You can only create or edit files when you are on a branch",
      ],
      [
        {
          branch: "feature",
          startBranch: "nope",
          actions: [{ action: "create", file_path: "f.txt", content: "x" }],
        },
        "You can only create or edit files when you are on a branch",
      ],
    ];
    for (const [options, message] of cases) {
      const error = await refusal(commit(path, options));
      expect(error.message).toBe(message);
      expect(error.status).toBe(400);
    }
    expect(
      (await refusal(commit(path, { actions: [{ action: "create", file_path: "../x", content: "" }] })))
        .status,
    ).toBe(400);
    expect(await store.resolve(path, "main")).toBe(head);
    expect((await store.branches(path)).map((b) => b.name)).toEqual(["main"]);
  });

  it("starts new branches from start_branch or start_sha, and only overwrites one with force", async () => {
    const path = await project();
    const main = (await store.resolve(path, "main"))!;
    const feature = await commit(path, {
      branch: "feature",
      startBranch: "main",
      actions: [{ action: "create", file_path: "f.txt", content: "f" }],
    });
    expect(feature.parent_ids).toEqual([main]);
    expect(await text(path, "feature", "f.txt")).toBe("f");
    expect(await store.readFile(path, "main", "f.txt")).toBeNull();

    const again = await refusal(
      commit(path, {
        branch: "feature",
        startBranch: "main",
        actions: [{ action: "create", file_path: "g", content: "" }],
      }),
    );
    expect(again.message).toBe(
      "A branch called 'feature' already exists. Switch to that branch in order to make changes",
    );

    const forced = await commit(path, {
      branch: "feature",
      startSha: main,
      force: true,
      actions: [{ action: "create", file_path: "g.txt", content: "g" }],
    });
    expect(forced.parent_ids).toEqual([main]);
    expect(await store.readFile(path, "feature", "f.txt")).toBeNull();

    // Committing on the branch itself (start_branch = branch) is an ordinary commit.
    const onTop = await commit(path, {
      branch: "feature",
      startBranch: "feature",
      actions: [{ action: "update", file_path: "g.txt", content: "g2" }],
    });
    expect(onTop.parent_ids).toEqual([forced.id]);
    expect(
      (
        await refusal(
          commit(path, {
            branch: "bad..name",
            startBranch: "main",
            actions: [{ action: "delete", file_path: "README.md" }],
          }),
        )
      ).message,
    ).toBe("Branch name is invalid");
  });

  it("serialises concurrent commits to one branch instead of losing any", async () => {
    const path = await project();
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        commit(path, { actions: [{ action: "create", file_path: `f${n}.txt`, content: `${n}` }] }),
      ),
    );
    const { total } = await store.commits(path, "main", { page: 1, perPage: 20 });
    expect(total).toBe(5);
    for (const n of [1, 2, 3, 4]) expect(await text(path, "main", `f${n}.txt`)).toBe(`${n}`);
  });
});

describe("branches and history", () => {
  it("creates, lists, finds and deletes branches", async () => {
    const path = await project();
    const main = (await store.resolve(path, "main"))!;
    const created = await store.createBranch(path, "feature/x", "main");
    expect(created).toMatchObject({ name: "feature/x", commit: { id: main } });
    await store.createBranch(path, "alpha", main);
    expect((await store.branches(path)).map((b) => b.name)).toEqual(["alpha", "feature/x", "main"]);
    expect(await store.branch(path, "feature")).toBeNull();
    expect((await store.branch(path, "feature/x"))?.commit.id).toBe(main);

    expect((await refusal(store.createBranch(path, "alpha", "main"))).message).toBe("Branch already exists");
    expect((await refusal(store.createBranch(path, "beta", "nope"))).message).toBe(
      "Invalid reference name: nope",
    );
    expect((await refusal(store.createBranch(path, "bad name", "main"))).message).toBe(
      "Branch name is invalid",
    );

    await store.deleteBranch(path, "alpha");
    expect(await store.resolve(path, "alpha")).toBeNull();
    expect((await refusal(store.deleteBranch(path, "alpha"))).status).toBe(404);
  });

  it("resolves branches, tags-free shas and prefixes, and nothing else", async () => {
    const path = await project();
    const main = (await store.resolve(path, "main"))!;
    expect(await store.resolve(path, main)).toBe(main);
    expect(await store.resolve(path, main.slice(0, 10))).toBe(main);
    expect(await store.resolve(path, "refs/heads/main")).toBe(main);
    expect(await store.resolve(path, "nope")).toBeNull();
    expect(await store.resolve(path, "--all")).toBeNull();
    expect(await store.getCommit(path, "nope")).toBeNull();
  });

  it("pages history newest first, optionally for one path", async () => {
    const path = await project();
    for (let i = 1; i <= 4; i++) {
      const file = i % 2 === 0 ? "even.txt" : "odd.txt";
      await commit(path, {
        message: `Commit ${i}`,
        actions: [{ action: i <= 2 ? "create" : "update", file_path: file, content: `${i}` }],
      });
    }
    const page1 = await store.commits(path, "main", { page: 1, perPage: 2 });
    expect(page1.total).toBe(5);
    expect(page1.items.map((c) => c.title)).toEqual(["Commit 4", "Commit 3"]);
    const page3 = await store.commits(path, "main", { page: 3, perPage: 2 });
    expect(page3.items.map((c) => c.title)).toEqual(["Initial commit"]);
    expect((await store.commits(path, "main", { page: 4, perPage: 2 })).items).toEqual([]);
    const even = await store.commits(path, "main", { page: 1, perPage: 10, path: "even.txt" });
    expect(even).toMatchObject({ total: 2 });
    expect(even.items.map((c) => c.title)).toEqual(["Commit 4", "Commit 2"]);
    expect(page1.items[0]?.parent_ids).toEqual([page1.items[1]?.id]);
    expect(await store.commits(path, "nope", { page: 1, perPage: 2 })).toEqual({ items: [], total: 0 });
  });

  it("finds merge bases", async () => {
    const path = await project();
    const main = (await store.resolve(path, "main"))!;
    const side = await commit(path, {
      branch: "side",
      startBranch: "main",
      actions: [{ action: "create", file_path: "s", content: "s" }],
    });
    await commit(path, { actions: [{ action: "create", file_path: "m", content: "m" }] });
    expect(await store.mergeBase(path, "main", "side")).toBe(main);
    expect(await store.mergeBase(path, side.id, main)).toBe(main);
    expect(await store.mergeBase(path, "main", "nope")).toBeNull();
  });
});
