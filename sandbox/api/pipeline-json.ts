// Pipelines and jobs as GitLab's API shows them: a pipeline's short and detailed forms (with GitLab's
// detailed_status) and a job's. https://docs.gitlab.com/api/pipelines/#get-a-single-pipeline
import type { SandboxServices } from "../services.ts";
import type { Job, Pipeline, Project } from "../state/model.ts";
import { userBasic } from "./serialize.ts";

const seconds = (from: string | null, to: string | null): number | null =>
  from === null || to === null ? null : (Date.parse(to) - Date.parse(from)) / 1000;

const STATUS_TEXT: Record<string, { text: string; label: string; icon: string }> = {
  created: { text: "Created", label: "created", icon: "status_created" },
  pending: { text: "Pending", label: "pending", icon: "status_pending" },
  running: { text: "Running", label: "running", icon: "status_running" },
  success: { text: "Passed", label: "passed", icon: "status_success" },
  failed: { text: "Failed", label: "failed", icon: "status_failed" },
  canceled: { text: "Canceled", label: "canceled", icon: "status_canceled" },
  skipped: { text: "Skipped", label: "skipped", icon: "status_skipped" },
};

function detailedStatus(status: string, detailsPath: string): Record<string, unknown> {
  const s = STATUS_TEXT[status] ?? { text: status, label: status, icon: `status_${status}` };
  return {
    icon: s.icon,
    text: s.text,
    label: s.label,
    group: status,
    tooltip: s.label,
    has_details: true,
    details_path: detailsPath,
    illustration: null,
    favicon: `/assets/ci_favicons/favicon_${s.icon}.png`,
  };
}

function userJson(sb: SandboxServices, userId: number): Record<string, unknown> | null {
  const user = sb.state.users.get(userId);
  return user ? userBasic(sb, user) : null;
}

/** The short form GitLab lists pipelines in. */
export function pipelineBasic(sb: SandboxServices, project: Project, p: Pipeline): Record<string, unknown> {
  return {
    id: p.id,
    iid: p.iid,
    project_id: p.project_id,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    created_at: p.created_at,
    updated_at: p.updated_at,
    web_url: `${sb.baseUrl}/${project.path_with_namespace}/-/pipelines/${p.id}`,
    name: null,
  };
}

export function pipelineDetail(sb: SandboxServices, project: Project, p: Pipeline): Record<string, unknown> {
  const running = seconds(p.started_at, p.finished_at);
  return {
    ...pipelineBasic(sb, project, p),
    before_sha: "0".repeat(40),
    tag: sb.pipelines.details(p).tag,
    yaml_errors: p.error,
    user: userJson(sb, p.user_id),
    started_at: p.started_at,
    finished_at: p.finished_at,
    committed_at: null,
    duration: running === null ? null : Math.round(running),
    queued_duration: seconds(p.created_at, p.started_at),
    coverage: null,
    detailed_status: detailedStatus(p.status, `/${project.path_with_namespace}/-/pipelines/${p.id}`),
    archived: false,
  };
}

export function jobJson(sb: SandboxServices, project: Project, j: Job): Record<string, unknown> {
  const pipeline = sb.state.pipelines.get(j.pipeline_id);
  const details = pipeline ? sb.pipelines.details(pipeline) : { tag: false, commit: null };
  const commit = details.commit
    ? {
        ...details.commit,
        web_url: `${sb.baseUrl}/${project.path_with_namespace}/-/commit/${details.commit.id}`,
      }
    : pipeline
      ? { id: pipeline.sha, short_id: pipeline.sha.slice(0, 8) }
      : null;
  const out: Record<string, unknown> = {
    id: j.id,
    status: j.status,
    stage: j.stage,
    name: j.name,
    ref: j.ref,
    tag: details.tag,
    coverage: null,
    allow_failure: j.allow_failure,
    created_at: j.created_at,
    started_at: j.started_at,
    finished_at: j.finished_at,
    erased_at: null,
    duration: j.duration,
    queued_duration: seconds(j.created_at, j.started_at),
    user: userJson(sb, j.user_id),
    commit,
    pipeline: pipeline
      ? {
          id: pipeline.id,
          iid: pipeline.iid,
          project_id: pipeline.project_id,
          sha: pipeline.sha,
          ref: pipeline.ref,
          status: pipeline.status,
          source: pipeline.source,
          created_at: pipeline.created_at,
          updated_at: pipeline.updated_at,
          web_url: `${sb.baseUrl}/${project.path_with_namespace}/-/pipelines/${pipeline.id}`,
        }
      : null,
    web_url: `${sb.baseUrl}/${project.path_with_namespace}/-/jobs/${j.id}`,
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    artifacts_expire_at: null,
    runner: null,
    runner_manager: null,
    tag_list: [],
    archived: false,
  };
  // GitLab exposes failure_reason on failed jobs only.
  if (j.status === "failed") out["failure_reason"] = j.failure_reason;
  return out;
}
