// RepoStore.diff in GitLab's shape, and GitLab's rules for where an inline comment may sit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isValidPosition, parseDiffLines } from "../../../sandbox/git/diff-lines.ts";
import { parseGitDiff } from "../../../sandbox/git/file-diff.ts";
import type { FileDiff } from "../../../sandbox/git/file-diff.ts";
import { RepoStore } from "../../../sandbox/git/repo-store.ts";
import { ada, removeScratchDirs, scratchDir } from "./git-fixtures.ts";

const lines = (n: number, tag = "line") => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join("");

let store: RepoStore;
let files: FileDiff[];
const path = "group/diffs";

beforeAll(async () => {
  store = new RepoStore(await scratchDir());
  await store.create(path, { defaultBranch: "main", readme: { content: "# Diffs\n", author: ada } });
  await store.commit(path, {
    branch: "main",
    message: "Base",
    author: ada,
    actions: [
      { action: "create", file_path: "edit.txt", content: lines(20) },
      { action: "create", file_path: "gone.txt", content: "bye\n" },
      { action: "create", file_path: "old name.txt", content: lines(10, "keep") },
    ],
  });
  const base = (await store.resolve(path, "main"))!;
  const edited = lines(20).replace("line 10\n", "line ten\n").replace("line 2\n", "");
  const head = await store.commit(path, {
    branch: "feature",
    startBranch: "main",
    message: "Change",
    author: ada,
    actions: [
      { action: "update", file_path: "edit.txt", content: edited },
      { action: "delete", file_path: "gone.txt" },
      { action: "move", previous_path: "old name.txt", file_path: "dir/new name.txt" },
      { action: "create", file_path: "added.txt", content: "one\ntwo" },
    ],
  });
  files = await store.diff(path, base, head.id);
});
afterAll(removeScratchDirs);

describe("diff", () => {
  it("returns GitLab's file diffs for added, modified, deleted and renamed files", () => {
    const byPath = new Map(files.map((f) => [f.new_path, f]));
    expect(files).toHaveLength(4);
    expect(byPath.get("added.txt")).toEqual({
      old_path: "added.txt",
      new_path: "added.txt",
      a_mode: "0",
      b_mode: "100644",
      new_file: true,
      renamed_file: false,
      deleted_file: false,
      generated_file: false,
      diff: "@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file\n",
    });
    expect(byPath.get("gone.txt")).toEqual({
      old_path: "gone.txt",
      new_path: "gone.txt",
      a_mode: "100644",
      b_mode: "0",
      new_file: false,
      renamed_file: false,
      deleted_file: true,
      generated_file: false,
      diff: "@@ -1 +0,0 @@\n-bye\n",
    });
    expect(byPath.get("dir/new name.txt")).toEqual({
      old_path: "old name.txt",
      new_path: "dir/new name.txt",
      a_mode: "100644",
      b_mode: "100644",
      new_file: false,
      renamed_file: true,
      deleted_file: false,
      generated_file: false,
      diff: "",
    });
    const edit = byPath.get("edit.txt")!;
    expect(edit).toMatchObject({ old_path: "edit.txt", a_mode: "100644", b_mode: "100644", new_file: false });
    expect(edit.diff).toBe(
      [
        "@@ -1,5 +1,4 @@",
        " line 1",
        "-line 2",
        " line 3",
        " line 4",
        " line 5",
        // git's hunk header carries the nearest "function" line, as GitLab's do.
        "@@ -7,7 +6,7 @@ line 6",
        " line 7",
        " line 8",
        " line 9",
        "-line 10",
        "+line ten",
        " line 11",
        " line 12",
        " line 13",
        "",
      ].join("\n"),
    );
  });

  it("diffs a root commit from nothing", async () => {
    const root = (await store.commits(path, "main", { page: 2, perPage: 1 })).items[0]!;
    expect(root.parent_ids).toEqual([]);
    const diff = await store.diff(path, null, root.id);
    expect(diff).toMatchObject([
      { new_path: "README.md", new_file: true, diff: "@@ -0,0 +1 @@\n+# Diffs\n" },
    ]);
  });
});

describe("parseGitDiff", () => {
  it("keeps a type change as one file and reports binary files like GitLab", () => {
    const zero = "0".repeat(40);
    const [a, b, c] = ["a".repeat(40), "b".repeat(40), "c".repeat(40)];
    const raw = [`:100644 120000 ${a} ${b} T`, "f", `:000000 100644 ${zero} ${c} A`, "logo.png", ""].join(
      "\0",
    );
    const patch = [
      "diff --git a/f b/f",
      "deleted file mode 100644",
      `index ${a}..${zero}`,
      "--- a/f",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-hi",
      "diff --git a/f b/f",
      "new file mode 120000",
      `index ${zero}..${b}`,
      "--- /dev/null",
      "+++ b/f",
      "@@ -0,0 +1 @@",
      "+target",
      "\\ No newline at end of file",
      "diff --git a/logo.png b/logo.png",
      "new file mode 100644",
      `index ${zero}..${c}`,
      "Binary files /dev/null and b/logo.png differ",
      "",
    ].join("\n");
    expect(parseGitDiff(raw, patch)).toEqual([
      {
        old_path: "f",
        new_path: "f",
        a_mode: "100644",
        b_mode: "120000",
        new_file: false,
        renamed_file: false,
        deleted_file: false,
        generated_file: false,
        diff: "@@ -1 +0,0 @@\n-hi\n@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n",
      },
      {
        old_path: "logo.png",
        new_path: "logo.png",
        a_mode: "0",
        b_mode: "100644",
        new_file: true,
        renamed_file: false,
        deleted_file: false,
        generated_file: false,
        diff: "Binary files /dev/null and b/logo.png differ\n",
      },
    ]);
  });
});

describe("parseDiffLines", () => {
  it("numbers old, new and context lines across hunks", () => {
    const parsed = parseDiffLines(
      "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -10 +10,2 @@\n x\n+y\n\\ No newline at end of file\n",
    );
    expect(parsed).toEqual([
      { type: "context", old_line: 1, new_line: 1, text: "a" },
      { type: "old", old_line: 2, new_line: null, text: "b" },
      { type: "new", old_line: null, new_line: 2, text: "B" },
      { type: "context", old_line: 3, new_line: 3, text: "c" },
      { type: "context", old_line: 10, new_line: 10, text: "x" },
      { type: "new", old_line: null, new_line: 11, text: "y" },
    ]);
  });
});

describe("isValidPosition", () => {
  const at = (new_path: string, old_line: number | null, new_line: number | null, old_path = new_path) =>
    isValidPosition(files, { old_path, new_path, old_line, new_line });

  it("accepts added lines by new_line, removed lines by old_line and shown context by both", () => {
    expect(at("edit.txt", null, 9)).toBe(true); // "+line ten"
    expect(at("edit.txt", 10, null)).toBe(true); // "-line 10"
    expect(at("edit.txt", 2, null)).toBe(true); // "-line 2"
    expect(at("edit.txt", 3, 2)).toBe(true); // " line 3"
    expect(at("edit.txt", 7, 6)).toBe(true); // first line of the second hunk
    expect(at("edit.txt", 13, 12)).toBe(true); // last context line
    expect(at("added.txt", null, 2)).toBe(true);
    expect(at("gone.txt", 1, null)).toBe(true);
    expect(
      isValidPosition(files, { old_path: "edit.txt", new_path: "edit.txt", new_line: 1, old_line: 1 }),
    ).toBe(true);
  });

  it("rejects lines the diff does not show, or shows as something else", () => {
    expect(at("edit.txt", null, 2)).toBe(false); // context line given as added
    expect(at("edit.txt", 3, null)).toBe(false); // context line given as removed
    expect(at("edit.txt", 10, 9)).toBe(false); // a change given as context
    expect(at("edit.txt", 3, 3)).toBe(false); // numbers that do not pair up
    expect(at("edit.txt", 18, 17)).toBe(false); // unchanged but outside every hunk
    expect(at("edit.txt", 6, 5)).toBe(false); // unchanged, between the two hunks
    expect(at("edit.txt", null, null)).toBe(false);
    expect(at("added.txt", null, 3)).toBe(false);
    expect(at("dir/new name.txt", 1, 1, "old name.txt")).toBe(false); // a pure rename shows no lines
    expect(at("README.md", 1, 1)).toBe(false); // not in the diff
  });
});
