// Whether the job may push to a branch: never the project's default branch, never a protected one. Asked of
// GitLab each time (when the workspace is prepared, and again right before each push), since a branch can
// become protected while the agent works. It fails closed: a GitLab error stops the push.
// https://docs.gitlab.com/api/branches/#get-single-repository-branch
// https://docs.gitlab.com/api/protected_branches/#list-protected-branches
import { getBranch, listProtectedBranches } from "../../shared/gitlab/api/branches.ts";
import { getProject } from "../../shared/gitlab/api/projects.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";

/** A push the job refused to make; the message says why and what to do. */
export class PushRefusedError extends Error {
  override readonly name = "PushRefusedError";
  constructor(
    readonly branch: string,
    reason: string,
  ) {
    super(`the job does not push to "${branch}": ${reason}`);
  }
}

export type BranchVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * GitLab's protected-branch names: an exact name, or a pattern where `*` matches any run of characters.
 * https://docs.gitlab.com/user/project/repository/branches/protected/#protect-multiple-branches-with-wildcard-rules
 */
export function matchesProtectedPattern(branch: string, pattern: string): boolean {
  if (!pattern.includes("*")) return pattern === branch;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "s").test(branch);
}

/**
 * Three reads in parallel: the project's default branch, the branch's own `protected` flag (readable by a
 * Developer), and the protected-branch rules (Maintainers only: a 403 leaves the flag as the answer, and a
 * branch that does not exist yet is then judged by GitLab's own push rules).
 */
export async function checkPushTarget(
  gitlab: GitLabRequester,
  projectId: number | string,
  branch: string,
): Promise<BranchVerdict> {
  const [info, existing, rules] = await Promise.all([
    getProject(gitlab, projectId),
    orNullOn(getBranch(gitlab, projectId, branch), [404]),
    orNullOn(listProtectedBranches(gitlab, projectId), [403, 404]),
  ]);
  if (info.default_branch === branch || existing?.default === true) {
    return { allowed: false, reason: "it is the project's default branch" };
  }
  if (existing?.protected === true) return { allowed: false, reason: "it is a protected branch" };
  const rule = rules?.find((r) => matchesProtectedPattern(branch, r.name));
  if (rule) return { allowed: false, reason: `it matches the protected branch rule "${rule.name}"` };
  return { allowed: true };
}

/** checkPushTarget, throwing PushRefusedError when the push is not allowed. */
export async function assertPushTarget(
  gitlab: GitLabRequester,
  projectId: number | string,
  branch: string,
): Promise<void> {
  const verdict = await checkPushTarget(gitlab, projectId, branch);
  if (!verdict.allowed) throw new PushRefusedError(branch, verdict.reason);
}

async function orNullOn<T>(call: Promise<T>, statuses: readonly number[]): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (isGitLabApiError(error) && statuses.includes(error.status)) return null;
    throw error;
  }
}
