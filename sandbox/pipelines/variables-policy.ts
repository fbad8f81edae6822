// Who may pass pipeline variables: GitLab's `ci_pipeline_variables_minimum_override_role`. Inputs are never
// limited by it. https://docs.gitlab.com/ci/variables/#restrict-pipeline-variables
import type { SandboxState } from "../state/store.ts";
import { ACCESS, type Project, type User } from "../state/model.ts";

/** GitLab's wording when the setting refuses the variables (the API wraps it in `{"message":{"base":[…]}}`). */
export const insufficientVariablesPermission = "Insufficient permissions to set pipeline variables";

const minimumLevel: Record<
  Exclude<Project["ci_pipeline_variables_minimum_override_role"], "no_one_allowed">,
  number
> = {
  developer: ACCESS.developer,
  maintainer: ACCESS.maintainer,
  owner: ACCESS.owner,
};

/** Whether `user` may set pipeline variables in `project`; `no_one_allowed` refuses everyone, admins too. */
export function maySetPipelineVariables(state: SandboxState, project: Project, user: User): boolean {
  const role = project.ci_pipeline_variables_minimum_override_role;
  if (role === "no_one_allowed") return false;
  const level = user.admin ? ACCESS.owner : state.accessLevel(project, user.id);
  return level >= minimumLevel[role];
}
