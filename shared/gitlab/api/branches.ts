// Branches and the protected-branch rules: what the job checks before every push, and what setup checks of
// the default branch before it commits there.
// https://docs.gitlab.com/api/branches/#get-single-repository-branch
// https://docs.gitlab.com/api/protected_branches/#list-protected-branches
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { orMissing } from "../gitlab-api-error.ts";
import { getPage, readPages, type Page, type PageRequest } from "../paginate.ts";
import { call, route } from "./route.ts";

export const BranchSchema = z.object({
  name: z.string(),
  protected: z.boolean().nullish(),
  default: z.boolean().nullish(),
});
export type Branch = z.infer<typeof BranchSchema>;

const AccessLevelsSchema = z.array(z.object({ access_level: z.number().int().nullish() })).nullish();
export const ProtectedBranchSchema = z.object({
  name: z.string(),
  push_access_levels: AccessLevelsSchema,
  merge_access_levels: AccessLevelsSchema,
});
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

export async function branchExists(gl: GitLabRequester, projectId: number, name: string): Promise<boolean> {
  return (await orMissing(getBranch(gl, projectId, name))) !== undefined;
}

export function protectedBranchesPage(
  gl: GitLabRequester,
  projectId: number,
  page: PageRequest,
): Promise<Page<ProtectedBranch>> {
  return getPage(gl, PROTECTED_BRANCHES.path({ id: projectId }), z.array(ProtectedBranchSchema), page);
}

/** The rule that protects `name`: its own, else the first wildcard rule that matches it. */
export async function findProtectedBranch(
  gl: GitLabRequester,
  projectId: number,
  name: string,
): Promise<ProtectedBranch | undefined> {
  // The list, not GET .../protected_branches/:name: that one also matches wildcards, which setup wants too.
  const { items } = await readPages((page) => protectedBranchesPage(gl, projectId, page), { maxPages: 20 });
  return items.find((p) => p.name === name) ?? items.find((p) => wildcardMatch(p.name, name));
}

function wildcardMatch(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return false;
  const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${source.join(".*")}$`).test(name);
}
