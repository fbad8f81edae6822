// The CI_MERGE_REQUEST_* variables of a detached merge request pipeline, and its ref.
// https://docs.gitlab.com/ci/variables/predefined_variables/#predefined-variables-for-merge-request-pipelines
import type { MergeRequest, Project } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";
import { isProtectedBranch } from "./project-variables.ts";

export const mergeRequestRef = (mr: MergeRequest): string => `refs/merge-requests/${mr.iid}/head`;

/** The CI_MERGE_REQUEST_* variables of a detached merge request pipeline. */
export function mergeRequestVariables(
  state: SandboxState,
  baseUrl: string,
  project: Project,
  mr: MergeRequest,
): Record<string, string> {
  const projectUrl = `${baseUrl}/${project.path_with_namespace}`;
  const version = mr.versions.at(-1);
  const names = (ids: readonly number[] | undefined): string =>
    (ids ?? []).flatMap((id) => state.users.get(id)?.username ?? []).join(",");
  const vars: Record<string, string> = {
    CI_MERGE_REQUEST_ID: String(mr.id),
    CI_MERGE_REQUEST_IID: String(mr.iid),
    CI_MERGE_REQUEST_PROJECT_ID: String(project.id),
    CI_MERGE_REQUEST_PROJECT_PATH: project.path_with_namespace,
    CI_MERGE_REQUEST_PROJECT_URL: projectUrl,
    CI_MERGE_REQUEST_REF_PATH: mergeRequestRef(mr),
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: mr.source_branch,
    CI_MERGE_REQUEST_SOURCE_PROJECT_ID: String(mr.source_project_id),
    CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: project.path_with_namespace,
    CI_MERGE_REQUEST_SOURCE_PROJECT_URL: projectUrl,
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: mr.target_branch,
    CI_MERGE_REQUEST_TARGET_BRANCH_PROTECTED: String(isProtectedBranch(project, mr.target_branch)),
    CI_MERGE_REQUEST_TITLE: mr.title,
    CI_MERGE_REQUEST_DESCRIPTION: mr.description,
    CI_MERGE_REQUEST_DRAFT: String(mr.draft),
    CI_MERGE_REQUEST_EVENT_TYPE: "detached",
    CI_MERGE_REQUEST_APPROVED: String((mr.approved_by_ids ?? []).length > 0),
  };
  if (version) {
    vars["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = version.base_commit_sha;
    vars["CI_MERGE_REQUEST_DIFF_ID"] = String(version.id);
  }
  if (mr.labels.length > 0) vars["CI_MERGE_REQUEST_LABELS"] = mr.labels.join(",");
  const assignees = names(mr.assignee_ids);
  if (assignees !== "") vars["CI_MERGE_REQUEST_ASSIGNEES"] = assignees;
  return vars;
}
