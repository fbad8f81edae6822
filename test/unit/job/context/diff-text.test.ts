// job/context/diff-text: sizes of change counted from GitLab's diff text, and the hunk around a diff note.
import { describe, expect, it } from "vitest";
import { countDiffLines, hunkAround } from "../../../../job/context/diff-text.ts";

const DIFF = [
  "@@ -1,4 +1,5 @@",
  " one",
  "-two",
  "+TWO",
  "+two and a half",
  " three",
  " four",
  "@@ -20,3 +21,3 @@ function far()",
  " twenty",
  "-twenty-one",
  "+21",
  " twenty-two",
  "\\ No newline at end of file",
  "",
].join("\n");

describe("job/context/diff-text", () => {
  it("counts added and removed lines inside hunks only", () => {
    expect(countDiffLines(DIFF)).toEqual({ additions: 3, deletions: 2 });
    expect(countDiffLines("")).toEqual({ additions: 0, deletions: 0 });
    // A content line that looks like a header is still a change.
    expect(countDiffLines("@@ -0,0 +1,2 @@\n+++ not a header\n+--- nor this")).toEqual({
      additions: 2,
      deletions: 0,
    });
  });

  it("finds an added line by its new number, with the hunk header", () => {
    const hunk = hunkAround(DIFF, { oldLine: null, newLine: 3 }, undefined, 1);
    expect(hunk).toBe(["@@ -1,4 +1,5 @@", "+TWO", "+two and a half", " three"].join("\n"));
  });

  it("finds a removed line by its old number, in the second hunk", () => {
    const hunk = hunkAround(DIFF, { oldLine: 21, newLine: null });
    expect(hunk).toBe(
      [
        "@@ -20,3 +21,3 @@ function far()",
        " twenty",
        "-twenty-one",
        "+21",
        " twenty-two",
        "\\ No newline at end of file",
      ].join("\n"),
    );
  });

  it("covers a multi-line range and stays inside its hunk", () => {
    const hunk = hunkAround(DIFF, { oldLine: 1, newLine: 1 }, { oldLine: null, newLine: 3 }, 0);
    expect(hunk).toBe(["@@ -1,4 +1,5 @@", " one", "-two", "+TWO", "+two and a half"].join("\n"));
  });

  it("answers null for a line the diff does not show", () => {
    expect(hunkAround(DIFF, { oldLine: null, newLine: 300 })).toBeNull();
    expect(hunkAround("", { oldLine: null, newLine: 1 })).toBeNull();
  });

  it("bounds a huge hunk", () => {
    const big = ["@@ -1,500 +1,500 @@", ...Array.from({ length: 500 }, (_, i) => ` line ${i + 1}`)].join(
      "\n",
    );
    const hunk = hunkAround(big, { oldLine: 250, newLine: 250 }, { oldLine: 400, newLine: 400 }, 8, 60);
    const lines = hunk?.split("\n") ?? [];
    expect(lines.length).toBeLessThanOrEqual(60);
    expect(lines).toContain(" line 250");
  });
});
