// A project's CI jobs: list, read, trace and cancel, and `GET /job`, the job a CI_JOB_TOKEN belongs to.
// https://docs.gitlab.com/api/jobs/
import { notFound, unauthorized } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Job, type Project } from "../state/model.ts";
import { jobJson } from "./pipeline-json.ts";
import { readScope, recordNotFound } from "./pipeline-params.ts";

export function registerJobs(r: RouteRegistrar): void {
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

  // GET /projects/:id/jobs/:job_id/artifacts/*artifact_path: one file of the job's artifacts.
  r.get("/projects/:id/jobs/:job_id/artifacts/*artifact_path", (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const job = findJob(ctx, project);
    const data = ctx.sb.pipelines.artifactFile(job, ctx.params["artifact_path"] ?? "");
    if (data === null) throw notFound();
    return { status: 200, raw: { data, contentType: "application/octet-stream" } };
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

function jobsOf(sb: SandboxServices, keep: (job: Job) => boolean): Job[] {
  return [...sb.state.jobs.values()].filter(keep);
}

function findJob(ctx: RequestContext, project: Project): Job {
  const raw = ctx.params["job_id"] ?? "";
  const job = /^\d+$/.test(raw) ? ctx.sb.state.jobs.get(Number(raw)) : undefined;
  if (!job || job.project_id !== project.id) throw recordNotFound();
  return job;
}
