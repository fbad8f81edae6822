// Merge request pipelines (source `merge_request_event`): when a merge request is opened or its source branch
// gets new commits, GitLab's MergeRequests::CreatePipelineService runs the target project's configuration at
// the source head on refs/merge-requests/<iid>/head, with the CI_MERGE_REQUEST_* variables and without
// CI_COMMIT_BRANCH; a configuration whose rules select no job for that source makes no pipeline at all. The
// sandbox makes detached pipelines only (no merged results), for merge requests within one project (GitLab
// runs a fork's in the fork). https://docs.gitlab.com/ci/pipelines/merge_request_pipelines/ and
// https://docs.gitlab.com/ci/variables/predefined_variables/#predefined-variables-for-merge-request-pipelines
import type { MergeRequest, Project, User } from "../state/model.ts";
import { noJobsError, workflowFilteredError } from "../runner/pipeline-plan.ts";
import { mergeRequestRef } from "./merge-request-variables.ts";
import type { PipelineService } from "./pipeline-service.ts";

/**
 * Creates the merge request's pipeline as `user` (the author on open, the pusher after a push), unless the
 * configuration selects nothing for it. Other refusals are logged: GitLab shows them on a failed pipeline.
 */
export async function createMergeRequestPipeline(
  pipelines: PipelineService,
  project: Project,
  mr: MergeRequest,
  user: User,
): Promise<void> {
  if (mr.state !== "opened" || mr.source_project_id !== mr.target_project_id) return;
  try {
    await pipelines.create({
      project,
      user,
      ref: mergeRequestRef(mr),
      source: "merge_request_event",
      mergeRequest: mr,
    });
  } catch (error) {
    const text = JSON.stringify((error as { body?: unknown }).body ?? String(error));
    if ([noJobsError, workflowFilteredError, "Missing CI config file"].some((m) => text.includes(m))) return;
    console.error(`sandbox: the merge request pipeline of !${mr.iid} was not created: ${text}`);
  }
}
