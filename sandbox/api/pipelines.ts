// Pipelines: creation with a user token (`source: api`), lists and details in GitLab's shapes, a pipeline's
// variables and jobs, cancellation and deletion. Jobs are in jobs.ts, trigger tokens in pipeline-triggers.ts.
// https://docs.gitlab.com/api/pipelines/
import { notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Job, type Pipeline, type Project } from "../state/model.ts";
import { jobJson, pipelineBasic, pipelineDetail } from "./pipeline-json.ts";
import {
  dateParam,
  readInputs,
  readScope,
  readVariables,
  recordNotFound,
  SOURCES,
  STATUSES,
} from "./pipeline-params.ts";

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
}

function pipelinesOf(sb: SandboxServices, project: Project): Pipeline[] {
  return [...sb.state.pipelines.values()].filter((p) => p.project_id === project.id);
}

function jobsOf(sb: SandboxServices, keep: (job: Job) => boolean): Job[] {
  return [...sb.state.jobs.values()].filter(keep);
}

function findPipeline(ctx: RequestContext, project: Project): Pipeline {
  const raw = ctx.params["pipeline_id"] ?? "";
  const pipeline = /^\d+$/.test(raw) ? ctx.sb.state.pipelines.get(Number(raw)) : undefined;
  if (!pipeline || pipeline.project_id !== project.id) throw recordNotFound();
  return pipeline;
}
