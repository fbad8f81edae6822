// Branches and the protected-branch rules: what the job checks before every push.
// https://docs.gitlab.com/api/branches/#get-single-repository-branch
// https://docs.gitlab.com/api/protected_branches/#list-protected-branches
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route } from "./route.ts";

export const BranchSchema = z.object({
  name: z.string(),
  protected: z.boolean().nullish(),
  default: z.boolean().nullish(),
});
export type Branch = z.infer<typeof BranchSchema>;

export const ProtectedBranchSchema = z.object({ name: z.string() });
export type ProtectedBranch = z.infer<typeof ProtectedBranchSchema>;

const BRANCH = route(
  "GET",
  "/projects/:id/repository/branches/:branch",
  "branches/#get-single-repository-branch",
);
const PROTECTED_BRANCHES = route(
  "GET",
  "/projects/:id/protected_branches",
  "protected_branches/#list-protected-branches",
);

export function getBranch(gl: GitLabRequester, projectId: number | string, branch: string): Promise<Branch> {
  return call(gl, BRANCH, { id: projectId, branch }, { schema: BranchSchema });
}

/** The protected-branch rules (the first 100); Maintainers only, others are answered 403. */
export function listProtectedBranches(
  gl: GitLabRequester,
  projectId: number | string,
): Promise<ProtectedBranch[]> {
  return call(
    gl,
    PROTECTED_BRANCHES,
    { id: projectId },
    { query: { per_page: 100 }, schema: z.array(ProtectedBranchSchema) },
  );
}
