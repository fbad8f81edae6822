// Position checks for inline comments, on diffs as GitLab's /merge_requests/:iid/diffs gives them: the same
// rules the sandbox applies like GitLab (added: new_line; removed: old_line; context: both).
import { describe, expect, it } from "vitest";
import {
  checkPosition,
  normalizePath,
  parseDiffLines,
  ranges,
  type MergeRequestFileDiff,
} from "../../../../job/mcp/diff-position.ts";

const files: MergeRequestFileDiff[] = [
  {
    oldPath: "src/app.txt",
    newPath: "src/app.txt",
    diff: "@@ -1,5 +1,5 @@\n one\n two\n-three\n+THREE\n four\n five\n",
  },
  { oldPath: "src/old.txt", newPath: "src/old.txt", diff: "@@ -1 +0,0 @@\n-gone soon\n", deletedFile: true },
  {
    oldPath: "src/new.txt",
    newPath: "src/new.txt",
    diff: "@@ -0,0 +1,3 @@\n+alpha\n+beta\n+gamma\n\\ No newline at end of file\n",
  },
  { oldPath: "docs/a.md", newPath: "docs/b.md", diff: "@@ -10,3 +10,4 @@ Heading\n x\n-y\n+y2\n+y3\n z\n" },
  { oldPath: "big.bin", newPath: "big.bin", diff: "" },
];

describe("job/mcp/diff-position", () => {
  it("reads the lines of a diff with their numbers", () => {
    expect(parseDiffLines(files[0]!.diff)).toEqual([
      { type: "context", oldLine: 1, newLine: 1 },
      { type: "context", oldLine: 2, newLine: 2 },
      { type: "removed", oldLine: 3, newLine: null },
      { type: "added", oldLine: null, newLine: 3 },
      { type: "context", oldLine: 4, newLine: 4 },
      { type: "context", oldLine: 5, newLine: 5 },
    ]);
    expect(parseDiffLines(files[2]!.diff)).toHaveLength(3);
  });

  it("addresses an added line by new_line, a removed one by old_line, a context line by both", () => {
    expect(checkPosition(files, { path: "src/app.txt", line: 3, side: "new" })).toEqual({
      ok: true,
      position: { oldPath: "src/app.txt", newPath: "src/app.txt", oldLine: null, newLine: 3 },
    });
    expect(checkPosition(files, { path: "src/app.txt", line: 3, side: "old" })).toEqual({
      ok: true,
      position: { oldPath: "src/app.txt", newPath: "src/app.txt", oldLine: 3, newLine: null },
    });
    expect(checkPosition(files, { path: "src/app.txt", line: 4, side: "new" })).toMatchObject({
      position: { oldLine: 4, newLine: 4 },
    });
    expect(checkPosition(files, { path: "src/new.txt", line: 1, side: "new" })).toMatchObject({
      position: { oldLine: null, newLine: 1 },
    });
  });

  it("follows renames and deletions", () => {
    expect(checkPosition(files, { path: "docs/b.md", line: 12, side: "new" })).toEqual({
      ok: true,
      position: { oldPath: "docs/a.md", newPath: "docs/b.md", oldLine: null, newLine: 12 },
    });
    expect(checkPosition(files, { path: "docs/a.md", line: 11, side: "old" })).toMatchObject({
      position: { oldPath: "docs/a.md", newPath: "docs/b.md", oldLine: 11, newLine: null },
    });
    expect(checkPosition(files, { path: "docs/b.md", line: 13, side: "new" })).toMatchObject({
      position: { oldLine: 12, newLine: 13 },
    });
    expect(checkPosition(files, { path: "src/old.txt", line: 1, side: "old" })).toMatchObject({
      position: { oldLine: 1, newLine: null },
    });
    expect(checkPosition(files, { path: "src/old.txt", line: 1, side: "new" })).toEqual({
      ok: false,
      error: 'src/old.txt is deleted by this merge request: comment on its removed lines with side "old".',
    });
  });

  it("refuses a line the diff does not show, naming the valid ones", () => {
    expect(checkPosition(files, { path: "src/app.txt", line: 99, side: "new" })).toEqual({
      ok: false,
      error:
        "Line 99 on the new side of src/app.txt is not part of the merge request's diff, so GitLab cannot anchor a " +
        "comment there. Lines the diff shows: new side 1-5; old side 1-5. Choose one of those lines, or put the " +
        "remark in your summary.",
    });
    expect(checkPosition(files, { path: "src/new.txt", line: 1, side: "old" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("Lines the diff shows: new side 1-3."),
    });
    expect(checkPosition(files, { path: "docs/b.md", line: 1, side: "new" })).toMatchObject({
      error: expect.stringContaining("new side 10-13; old side 10-12"),
    });
  });

  it("refuses a file outside the diff, listing the diff's files, and one whose diff GitLab did not send", () => {
    expect(checkPosition(files, { path: "README.md", line: 1, side: "new" })).toEqual({
      ok: false,
      error:
        "README.md is not changed by this merge request. Files in its diff: src/app.txt, src/old.txt, src/new.txt, " +
        "docs/a.md → docs/b.md, big.bin.",
    });
    expect(checkPosition(files, { path: "big.bin", line: 1, side: "new" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("GitLab did not provide the diff of big.bin"),
    });
    const many = Array.from({ length: 35 }, (_, i) => ({ oldPath: `f${i}`, newPath: `f${i}`, diff: "" }));
    expect(checkPosition(many, { path: "x", line: 1, side: "new" })).toMatchObject({
      error: expect.stringMatching(/f29 \(and 5 more\)\.$/),
    });
    expect(checkPosition([], { path: "x", line: 1, side: "new" })).toMatchObject({
      error: "x is not changed by this merge request, which changes no files.",
    });
  });

  it("accepts the path forms agents write", () => {
    expect(normalizePath("./src/app.txt")).toBe("src/app.txt");
    expect(normalizePath("/work/repo/src/app.txt", "/work/repo/")).toBe("src/app.txt");
    expect(normalizePath("/elsewhere/src/app.txt", "/work/repo")).toBe("elsewhere/src/app.txt");
    expect(
      checkPosition(files, { path: "/work/repo/src/app.txt", line: 3, side: "new" }, "/work/repo").ok,
    ).toBe(true);
  });

  it("writes number ranges", () => {
    expect(ranges([3, 1, 2, 7, 9, 10, 10])).toBe("1-3, 7, 9-10");
    expect(ranges([])).toBe("");
  });
});
