// Pipelines and jobs: creation with a user token (`source: api`) or a trigger token (`source: trigger`), lists
// and details in GitLab's shapes, pipeline variables, job traces, cancellation, and `GET /job` for CI_JOB_TOKEN.
// https://docs.gitlab.com/api/pipelines/ https://docs.gitlab.com/api/jobs/ https://docs.gitlab.com/api/pipeline_triggers/
import { ApiError, invalid, notFound, unauthorized } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { ParamValue } from "../http/params.ts";
import type { PipelineVariable } from "../pipelines/pipeline-service.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Job, type Pipeline, type Project } from "../state/model.ts";
import { userBasic } from "./serialize.ts";

const STATUSES = [
  "created",
  "waiting_for_resource",
  "preparing",
  "pending",
  "running",
  "success",
  "failed",
  "canceled",
  "skipped",
  "manual",
  "scheduled",
] as const;
const SOURCES = [
  "push",
  "web",
  "trigger",
  "schedule",
  "api",
  "external",
  "pipeline",
  "chat",
  "webide",
  "merge_request_event",
  "external_pull_request_event",
  "parent_pipeline",
  "ondemand_dast_scan",
  "ondemand_dast_validation",
  "security_orchestration_policy",
] as const;
const FINISHED: ReadonlySet<string> = new Set(["success", "failed", "canceled", "skipped"]);

export function registerPipelines(r: RouteRegistrar): void {
  // Creation ------------------------------------------------------------------------------------------------
  r.post("/projects/:id/pipeline", async (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const user = ctx.requireUser();
    const ref = ctx.body.requiredString("ref");
    const pipeline = await ctx.sb.pipelines.create({
      project,
      user,
      ref,
      source: "api",
      variables: readVariables(ctx.body.raw("variables")),
      inputs: readInputs(ctx.body.raw("inputs")),
    });
    return json(pipelineDetail(ctx.sb, project, pipeline), 201);
  });

  // Trigger tokens authenticate by themselves: no user token is needed, the pipeline runs as the trigger's owner.
  r.post("/projects/:id/trigger/pipeline", async (ctx) => {
    const missingParams = ["ref", "token"].filter((name) => (ctx.body.string(name) ?? "") === "");
    if (missingParams.length > 0) {
      throw new ApiError(400, { error: missingParams.map((name) => `${name} is missing`).join(", ") });
    }
    const project = ctx.sb.state.findProject(ctx.params["id"] ?? "");
    if (!project) throw notFound("Project");
    const token = ctx.body.requiredString("token");
    const trigger = project.triggers.find((t) => t.token === token);
    const owner = trigger ? ctx.sb.state.users.get(trigger.ownerId) : undefined;
    if (!trigger || !owner) throw notFound();
    const pipeline = await ctx.sb.pipelines.create({
      project,
      user: owner,
      ref: ctx.body.requiredString("ref"),
      source: "trigger",
      variables: readVariables(ctx.body.raw("variables")),
      inputs: readInputs(ctx.body.raw("inputs")),
    });
    return json(pipelineDetail(ctx.sb, project, pipeline), 201);
  });

  // Pipelines -----------------------------------------------------------------------------------------------
  r.get("/projects/:id/pipelines", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const scope = ctx.body.oneOf("scope", ["running", "pending", "finished", "branches", "tags"] as const);
    const status = ctx.body.oneOf("status", STATUSES);
    const source = ctx.body.oneOf("source", SOURCES);
    const ref = ctx.body.string("ref");
    const sha = ctx.body.string("sha");
    const username = ctx.body.string("username");
    const updatedAfter = dateParam(ctx, "updated_after");
    const updatedBefore = dateParam(ctx, "updated_before");
    const orderBy =
      ctx.body.oneOf("order_by", ["id", "status", "ref", "updated_at", "user_id"] as const) ?? "id";
    const sort = ctx.body.oneOf("sort", ["asc", "desc"] as const) ?? "desc";
    const userId = username === undefined ? undefined : (ctx.sb.state.userByUsername(username)?.id ?? -1);
    const list = pipelinesOf(ctx.sb, project).filter((p) => {
      if (status !== undefined && p.status !== status) return false;
      if (source !== undefined && p.source !== source) return false;
      if (ref !== undefined && p.ref !== ref) return false;
      if (sha !== undefined && p.sha !== sha) return false;
      if (userId !== undefined && p.user_id !== userId) return false;
      if (updatedAfter !== undefined && Date.parse(p.updated_at) <= updatedAfter) return false;
      if (updatedBefore !== undefined && Date.parse(p.updated_at) >= updatedBefore) return false;
      if (scope === "running" && p.status !== "running") return false;
      if (scope === "pending" && p.status !== "pending") return false;
      if (scope === "finished" && !FINISHED.has(p.status)) return false;
      const tag = ctx.sb.pipelines.details(p).tag;
      if (scope === "branches" && tag) return false;
      if (scope === "tags" && !tag) return false;
      return true;
    });
    const key = (p: Pipeline): string | number => (orderBy === "updated_at" ? p.updated_at : p[orderBy]);
    list.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const order = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return sort === "asc" ? order : -order;
    });
    const page = paginate(list, ctx.query, ctx.url);
    return json(
      page.items.map((p) => pipelineBasic(ctx.sb, project, p)),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id/pipelines/latest", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const ref = ctx.body.string("ref") ?? project.default_branch;
    const latest = pipelinesOf(ctx.sb, project)
      .filter((p) => p.ref === ref)
      .sort((a, b) => b.id - a.id)[0];
    if (!latest) throw notFound();
    return json(pipelineDetail(ctx.sb, project, latest));
  });

  r.get("/projects/:id/pipelines/:pipeline_id", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    return json(pipelineDetail(ctx.sb, project, findPipeline(ctx, project)));
  });

  r.get("/projects/:id/pipelines/:pipeline_id/variables", (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const pipeline = findPipeline(ctx, project);
    return json(
      pipeline.variables.map((v) => ({ key: v.key, variable_type: v.variable_type, value: v.value })),
    );
  });

  r.get("/projects/:id/pipelines/:pipeline_id/jobs", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const pipeline = findPipeline(ctx, project);
    const scope = readScope(ctx);
    const list = jobsOf(
      ctx.sb,
      (j) => j.pipeline_id === pipeline.id && (scope === null || scope.has(j.status)),
    );
    list.sort((a, b) => a.id - b.id);
    const page = paginate(list, ctx.query, ctx.url);
    return json(
      page.items.map((j) => jobJson(ctx.sb, project, j)),
      200,
      page.headers,
    );
  });

  r.post("/projects/:id/pipelines/:pipeline_id/cancel", (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const pipeline = findPipeline(ctx, project);
    ctx.sb.pipelines.cancelPipeline(pipeline);
    return json(pipelineDetail(ctx.sb, project, pipeline), 200);
  });

  r.delete("/projects/:id/pipelines/:pipeline_id", (ctx) => {
    const project = ctx.project(ACCESS.owner);
    const pipeline = findPipeline(ctx, project);
    ctx.sb.pipelines.cancelPipeline(pipeline);
    for (const job of jobsOf(ctx.sb, (j) => j.pipeline_id === pipeline.id)) ctx.sb.state.jobs.delete(job.id);
    ctx.sb.state.pipelines.delete(pipeline.id);
    return { status: 204 };
  });

  // Jobs ----------------------------------------------------------------------------------------------------
  r.get("/projects/:id/jobs", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const scope = readScope(ctx);
    const list = jobsOf(
      ctx.sb,
      (j) => j.project_id === project.id && (scope === null || scope.has(j.status)),
    );
    list.sort((a, b) => b.id - a.id);
    const page = paginate(list, ctx.query, ctx.url);
    return json(
      page.items.map((j) => jobJson(ctx.sb, project, j)),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id/jobs/:job_id", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    return json(jobJson(ctx.sb, project, findJob(ctx, project)));
  });

  r.get("/projects/:id/jobs/:job_id/trace", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const job = findJob(ctx, project);
    return { status: 200, raw: { data: job.trace, contentType: "text/plain; charset=utf-8" } };
  });

  r.post("/projects/:id/jobs/:job_id/cancel", (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const job = findJob(ctx, project);
    ctx.sb.pipelines.cancelJob(job);
    return json(jobJson(ctx.sb, project, job), 201);
  });

  // The job a CI_JOB_TOKEN belongs to (the runner's own view of "who am I").
  r.get("/job", (ctx) => {
    const jobId = ctx.token?.jobId;
    if (jobId === undefined) throw unauthorized();
    const job = ctx.sb.state.jobs.get(jobId);
    const project = job ? ctx.sb.state.projects.get(job.project_id) : undefined;
    if (!job || !project) throw unauthorized();
    return json(jobJson(ctx.sb, project, job));
  });
}

// Parameters ----------------------------------------------------------------------------------------------------

/**
 * Pipeline variables in either spelling GitLab takes: the pipeline API's list of `{key, value, variable_type}`
 * (JSON, or `variables[][key]=K&variables[][value]=V`) and the trigger API's hash (`variables[KEY]=value`).
 */
export function readVariables(raw: ParamValue | undefined): PipelineVariable[] {
  if (raw === undefined || raw === null || raw === "") return [];
  if (Array.isArray(raw)) {
    return raw.map((entry, i) => {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry))
        throw invalid(`variables[${i}]`);
      const key = entry["key"];
      if (typeof key !== "string" || key === "") {
        throw new ApiError(400, { error: `variables[${i}][key] is missing` });
      }
      const value = entry["value"];
      const type = entry["variable_type"] ?? "env_var";
      if (type !== "env_var" && type !== "file") {
        throw invalid(`variables[${i}][variable_type]`, "does not have a valid value");
      }
      return { key, value: scalar(value), variable_type: type };
    });
  }
  if (typeof raw === "object") {
    return Object.entries(raw).map(([key, value]) => {
      if (typeof value === "object" && value !== null) {
        throw new ApiError(400, { message: "variables needs to be a map of key-valued strings" });
      }
      return { key, value: scalar(value), variable_type: "env_var" as const };
    });
  }
  throw invalid("variables");
}

function scalar(value: ParamValue | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** `inputs: {name: value}` (JSON keeps types; `inputs[name]=v` gives strings, which the plan converts). */
export function readInputs(raw: ParamValue | undefined): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === "") return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid("inputs");
  return { ...raw };
}

function dateParam(ctx: RequestContext, name: string): number | undefined {
  const text = ctx.body.string(name);
  if (text === undefined || text === "") return undefined;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw invalid(name);
  return time;
}

/** `scope=failed`, `scope[]=failed&scope[]=success`, or a comma list; null for no filter. */
function readScope(ctx: RequestContext): Set<string> | null {
  const values = (ctx.body.list("scope") ?? []).map(String).filter((s) => s !== "");
  if (values.length === 0) return null;
  for (const value of values) {
    if (!(STATUSES as readonly string[]).includes(value))
      throw invalid("scope", "does not have a valid value");
  }
  return new Set(values);
}

// Lookups --------------------------------------------------------------------------------------------------------

function pipelinesOf(sb: SandboxServices, project: Project): Pipeline[] {
  return [...sb.state.pipelines.values()].filter((p) => p.project_id === project.id);
}

function jobsOf(sb: SandboxServices, keep: (job: Job) => boolean): Job[] {
  return [...sb.state.jobs.values()].filter(keep);
}

/** GitLab answers a missing record with `404 Not found` (ActiveRecord::RecordNotFound). */
const recordNotFound = (): ApiError => new ApiError(404, { message: "404 Not found" });

function findPipeline(ctx: RequestContext, project: Project): Pipeline {
  const raw = ctx.params["pipeline_id"] ?? "";
  const pipeline = /^\d+$/.test(raw) ? ctx.sb.state.pipelines.get(Number(raw)) : undefined;
  if (!pipeline || pipeline.project_id !== project.id) throw recordNotFound();
  return pipeline;
}

function findJob(ctx: RequestContext, project: Project): Job {
  const raw = ctx.params["job_id"] ?? "";
  const job = /^\d+$/.test(raw) ? ctx.sb.state.jobs.get(Number(raw)) : undefined;
  if (!job || job.project_id !== project.id) throw recordNotFound();
  return job;
}

// JSON --------------------------------------------------------------------------------------------------------

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
