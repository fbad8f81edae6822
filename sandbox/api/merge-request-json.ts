// A merge request as GitLab's API shows it, in the list's shape or the detail's (with its head pipeline and
// diff refs), and its diff versions. https://docs.gitlab.com/api/merge_requests/#get-single-mr
import { createHash } from "node:crypto";
import type { SandboxServices } from "../services.ts";
import type { MergeRequest, MergeRequestVersion, Pipeline, Project } from "../state/model.ts";
import { votes } from "./award-emoji.ts";
import { diffRefs, headSha, latestVersion, sourceProject } from "./merge-request-git.ts";
import { userNotesCount } from "./note-service.ts";
import { projectWebUrl, type Noteable } from "./noteables.ts";
import { pipelineBasic } from "./pipeline-json.ts";
import { userBasic } from "./serialize.ts";

/** GitLab's head pipeline: the newest pipeline for the source head, on the branch or the MR ref. */
function headPipeline(sb: SandboxServices, mr: MergeRequest): Pipeline | null {
  if (mr.head_pipeline_id !== null) {
    const p = sb.state.pipelines.get(mr.head_pipeline_id);
    if (p) return p;
  }
  const sha = headSha(mr);
  let best: Pipeline | null = null;
  for (const p of sb.state.pipelines.values()) {
    const onBranch = p.project_id === mr.source_project_id && p.ref === mr.source_branch;
    const onMrRef = p.project_id === mr.target_project_id && p.ref === `refs/merge-requests/${mr.iid}/head`;
    if ((onBranch || onMrRef) && p.sha === sha && (best === null || p.id > best.id)) best = p;
  }
  return best;
}

function detailedStatus(mr: MergeRequest): string {
  if (mr.state !== "opened") return "not_open";
  if (mr.draft) return "draft_status";
  if (latestVersion(mr) === undefined) return "preparing";
  return "mergeable";
}

export function mergeRequestJson(
  sb: SandboxServices,
  project: Project,
  mr: MergeRequest,
  detail = false,
): Record<string, unknown> {
  const user = (id: number | null | undefined): Record<string, unknown> | null => {
    const u = id === null || id === undefined ? undefined : sb.state.users.get(id);
    return u ? userBasic(sb, u) : null;
  };
  const source = sourceProject(sb, mr);
  const reference = `!${mr.iid}`;
  const pipeline = headPipeline(sb, mr);
  const noteable: Noteable = { type: "MergeRequest", project, record: mr };
  const assignees = (mr.assignee_ids ?? []).map(user).filter((u) => u !== null);
  const base: Record<string, unknown> = {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.project_id,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.created_at,
    updated_at: mr.updated_at,
    merged_by: user(mr.merged_by_id),
    merge_user: user(mr.merged_by_id),
    merged_at: mr.merged_at ?? null,
    closed_by: user(mr.closed_by_id),
    closed_at: mr.closed_at ?? null,
    target_branch: mr.target_branch,
    source_branch: mr.source_branch,
    user_notes_count: userNotesCount(sb, noteable),
    ...votes(sb, "MergeRequest", mr.id),
    author: user(mr.author_id),
    assignees,
    assignee: assignees[0] ?? null,
    reviewers: (mr.reviewer_ids ?? []).map(user).filter((u) => u !== null),
    source_project_id: mr.source_project_id,
    target_project_id: mr.target_project_id,
    labels: mr.labels,
    draft: mr.draft,
    imported: false,
    imported_from: "none",
    work_in_progress: mr.draft,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: mr.state === "opened" && latestVersion(mr) === undefined ? "checking" : "can_be_merged",
    detailed_merge_status: detailedStatus(mr),
    merge_after: null,
    sha: headSha(mr),
    merge_commit_sha: mr.merge_commit_sha ?? null,
    squash_commit_sha: null,
    discussion_locked: mr.discussion_locked ?? null,
    should_remove_source_branch: null,
    force_remove_source_branch: mr.remove_source_branch,
    prepared_at: latestVersion(mr)?.created_at ?? null,
    reference,
    references: { short: reference, relative: reference, full: `${project.path_with_namespace}${reference}` },
    web_url: `${projectWebUrl(sb, project)}/-/merge_requests/${mr.iid}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
    approvals_before_merge: null,
  };
  if (!detail) return base;
  const version = latestVersion(mr);
  return {
    ...base,
    subscribed: true,
    changes_count: version ? version.real_size : null,
    latest_build_started_at: null,
    latest_build_finished_at: null,
    first_deployed_to_production_at: null,
    pipeline: pipeline ? pipelineBasic(sb, project, pipeline) : null,
    head_pipeline: pipeline ? pipelineBasic(sb, project, pipeline) : null,
    diff_refs: diffRefs(mr),
    merge_error: null,
    first_contribution: false,
    user: { can_merge: false },
    source_project_path: source?.path_with_namespace ?? null,
  };
}

export function versionJson(mr: MergeRequest, v: MergeRequestVersion): Record<string, unknown> {
  return {
    id: v.id,
    head_commit_sha: v.head_commit_sha,
    base_commit_sha: v.base_commit_sha,
    start_commit_sha: v.start_commit_sha,
    created_at: v.created_at,
    merge_request_id: mr.id,
    state: v.state,
    real_size: v.real_size,
    patch_id_sha: createHash("sha1").update(`${v.base_commit_sha}..${v.head_commit_sha}`).digest("hex"),
  };
}
