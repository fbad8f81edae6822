// GitLab's protected-branch name patterns, as the API layer checks them (the pre-receive hook agrees).
import { describe, expect, it } from "vitest";
import { isProtectedBranch, usablePatterns } from "../../../sandbox/git/protected-branches.ts";

describe("isProtectedBranch", () => {
  it("matches exact names and `*` wildcards, slashes included", () => {
    const patterns = ["main", "release/*", "*-stable"];
    expect(isProtectedBranch("main", patterns)).toBe(true);
    expect(isProtectedBranch("main2", patterns)).toBe(false);
    expect(isProtectedBranch("release/1.0", patterns)).toBe(true);
    expect(isProtectedBranch("release/1.0/hotfix", patterns)).toBe(true);
    expect(isProtectedBranch("release", patterns)).toBe(false);
    expect(isProtectedBranch("12-stable", patterns)).toBe(true);
    expect(isProtectedBranch("feature", [])).toBe(false);
  });

  it("treats everything but `*` literally", () => {
    expect(isProtectedBranch("v1x0", ["v1.0"])).toBe(false);
    expect(isProtectedBranch("v1.0", ["v1.0"])).toBe(true);
    expect(usablePatterns(["ma?n", "[ab]", "ok", ""])).toEqual(["ok"]);
  });
});
