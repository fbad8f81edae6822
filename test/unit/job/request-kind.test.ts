import { describe, expect, it } from "vitest";
import { requestKind } from "../../../job/request-kind.ts";

describe("job/request-kind", () => {
  it.each([
    ["@codex review this merge request", "review"],
    ["@codex please review", "review"],
    ["@codex look over the error handling", "review"],
    ["@codex why does the login fail?", "question"],
    ["@codex explain the retry logic", "question"],
    ["@codex is this thread-safe", "question"],
    ["@codex the build is red?", "question"],
    ["@codex fix the failing test", "change"],
    ["@codex please make the greeting friendlier", "change"],
    ["@codex review this and fix what you find", "change"],
    ["@codex can you add a test for this?", "change"],
    ["@codex the greeting", "change"],
    ["", "change"],
  ])("%j is a %s", (note, kind) => {
    expect(requestKind(note)).toBe(kind);
  });
});
