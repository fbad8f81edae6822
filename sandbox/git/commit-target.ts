// Where a commit made through the API goes, by GitLab's rules for POST /projects/:id/repository/commits: on
// the branch's head, or (start_branch / start_sha) on another commit for a branch that does not exist yet
// unless `force`; the first commit of an empty repository has no parent. GitLab's refusals throw.
// https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions
import { isEmpty, refValue } from "./git-objects.ts";
import { rev } from "./git-command.ts";
import { fail } from "./git-operation-error.ts";

/**
 * By GitLab's rules: the commit the new one goes on top of (null for the first commit of an empty repository)
 * and the branch's current head (null when the commit creates it).
 */
export async function commitTarget(
  gitDir: string,
  options: { branch: string; startBranch?: string; startSha?: string; force?: boolean },
): Promise<{ parent: string | null; current: string | null }> {
  const { branch, startBranch, startSha } = options;
  if (startBranch !== undefined && startSha !== undefined)
    fail("start_branch, start_sha are mutually exclusive");
  const elsewhere = startSha !== undefined || (startBranch !== undefined && startBranch !== branch);
  const current = await refValue(gitDir, `refs/heads/${branch}`);
  if (!elsewhere) {
    if (current !== null) return { parent: current, current };
    if (await isEmpty(gitDir)) return { parent: null, current };
    fail("You can only create or edit files when you are on a branch");
  }
  if (current !== null && options.force !== true) {
    fail(`A branch called '${branch}' already exists. Switch to that branch in order to make changes`);
  }
  if (startSha !== undefined) {
    const sha = rev(startSha) === null ? null : await refValue(gitDir, `${startSha}^{commit}`);
    if (sha === null) fail(`Invalid start_sha '${startSha}'`);
    return { parent: sha, current };
  }
  const sha = await refValue(gitDir, `refs/heads/${startBranch}^{commit}`);
  if (sha !== null) return { parent: sha, current };
  if (await isEmpty(gitDir)) return { parent: null, current };
  fail("You can only create or edit files when you are on a branch");
}
