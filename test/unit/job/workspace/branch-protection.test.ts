// job/publish/branch-protection: GitLab's wildcard rule matching, and the verdict from GitLab's answers. The
// requester is a scripted stand-in for GitLabClient.request (the same seam production passes), not a mock.
import { describe, expect, it } from "vitest";
import {
  assertPushTarget,
  checkPushTarget,
  matchesProtectedPattern,
  PushRefusedError,
} from "../../../../job/workspace/branch-protection.ts";
import type { GitLabRequester } from "../../../../shared/gitlab/client.ts";
import { GitLabApiError } from "../../../../shared/gitlab/gitlab-api-error.ts";

function scripted(answers: Record<string, unknown | number>): GitLabRequester & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    request: (<T>(method: string, path: string, options?: { schema?: { parse(v: unknown): T } }) => {
      calls.push(`${method} ${path}`);
      const answer = answers[path];
      if (typeof answer === "number" || answer === undefined) {
        const status = typeof answer === "number" ? answer : 404;
        return Promise.reject(
          new GitLabApiError({ status, method, path, message: `${status}`, kind: "http", attempts: 1 }),
        );
      }
      return Promise.resolve(options?.schema ? options.schema.parse(answer) : (answer as T));
    }) as GitLabRequester["request"],
  };
}

describe("matchesProtectedPattern", () => {
  it.each([
    ["main", "main", true],
    ["main", "main2", false],
    ["release/*", "release/1.0", true],
    ["release/*", "release/a/b", true],
    ["release/*", "release", false],
    ["*-stable", "13-stable", true],
    ["*", "anything", true],
    ["a.b", "axb", false],
    ["feat+(x)", "feat+(x)", true],
  ])("%j vs %j → %s", (pattern, branch, expected) => {
    expect(matchesProtectedPattern(branch, pattern)).toBe(expected);
  });
});

describe("checkPushTarget", () => {
  const project = "/projects/5";

  it("refuses the default branch", async () => {
    const gl = scripted({
      [project]: { id: 5, path_with_namespace: "group/project", default_branch: "main" },
      [`${project}/protected_branches`]: [],
    });
    expect(await checkPushTarget(gl, 5, "main")).toEqual({
      allowed: false,
      reason: "it is the project's default branch",
    });
  });

  it("refuses a branch GitLab flags as protected, even when the rules are not readable", async () => {
    const gl = scripted({
      [project]: { id: 5, path_with_namespace: "group/project", default_branch: "main" },
      [`${project}/repository/branches/stable`]: { name: "stable", protected: true, default: false },
      [`${project}/protected_branches`]: 403,
    });
    expect(await checkPushTarget(gl, 5, "stable")).toMatchObject({
      allowed: false,
      reason: "it is a protected branch",
    });
  });

  it("refuses a new branch that a wildcard rule protects", async () => {
    const gl = scripted({
      [project]: { id: 5, path_with_namespace: "group/project", default_branch: "main" },
      [`${project}/protected_branches`]: [{ name: "claude/*" }],
    });
    await expect(assertPushTarget(gl, 5, "claude/1-x")).rejects.toThrow(PushRefusedError);
    await expect(assertPushTarget(gl, 5, "claude/1-x")).rejects.toThrow(
      /matches the protected branch rule "claude\/\*"/,
    );
  });

  it("allows an ordinary branch, encoding its name in the path", async () => {
    const gl = scripted({
      [project]: { id: 5, path_with_namespace: "group/project", default_branch: "main" },
      [`${project}/repository/branches/feature%2Fx`]: { name: "feature/x", protected: false, default: false },
      [`${project}/protected_branches`]: [{ name: "main" }],
    });
    expect(await checkPushTarget(gl, 5, "feature/x")).toEqual({ allowed: true });
    expect(gl.calls).toContain("GET /projects/5/repository/branches/feature%2Fx");
  });

  it("fails closed when GitLab cannot say", async () => {
    const gl = scripted({ [project]: 503, [`${project}/protected_branches`]: [] });
    await expect(checkPushTarget(gl, 5, "x")).rejects.toBeInstanceOf(GitLabApiError);
  });
});
