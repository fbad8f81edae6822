// Pipeline schedules: create, list, read, edit, delete, their variables and inputs, and "play", which runs the
// schedule's pipeline now (source `schedule`, as its owner, with its variables and inputs), answering 201 at
// once while the pipeline is made in the background, as RunPipelineScheduleWorker does. The sandbox keeps no
// clock: a schedule's cron is stored and validated loosely, and runs only when played.
// https://docs.gitlab.com/api/pipeline_schedules/
import { ApiError, badRequest, forbidden, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Pipeline, type Project } from "../state/model.ts";
import { now, type SandboxState } from "../state/store.ts";
import { pipelineBasic } from "./pipeline-json.ts";
import { userBasic } from "./serialize.ts";

interface Schedule {
  id: number;
  project_id: number;
  description: string;
  ref: string;
  cron: string;
  cron_timezone: string;
  active: boolean;
  owner_id: number;
  created_at: string;
  updated_at: string;
  variables: Array<{ key: string; value: string; variable_type: "env_var" | "file" }>;
  inputs: Array<{ name: string; value: unknown }>;
  last_pipeline_id: number | null;
}

const schedulesOf = new WeakMap<SandboxState, Map<number, Schedule>>();

function schedules(sb: SandboxServices): Map<number, Schedule> {
  let found = schedulesOf.get(sb.state);
  if (!found) schedulesOf.set(sb.state, (found = new Map()));
  return found;
}

// Five or six fields of digits, `*`, `/`, `-`, `,` or names: enough to refuse what GitLab's Fugit would.
const CRON = /^\s*(\S+\s+){4}\S+(\s+\S+)?\s*$/;

function scheduleJson(
  sb: SandboxServices,
  project: Project,
  s: Schedule,
  detail: boolean,
): Record<string, unknown> {
  const owner = sb.state.users.get(s.owner_id);
  const last = s.last_pipeline_id === null ? undefined : sb.state.pipelines.get(s.last_pipeline_id);
  const base: Record<string, unknown> = {
    id: s.id,
    description: s.description,
    ref: s.ref.startsWith("refs/") ? s.ref : `refs/heads/${s.ref}`,
    cron: s.cron,
    cron_timezone: s.cron_timezone,
    next_run_at: null,
    active: s.active,
    created_at: s.created_at,
    updated_at: s.updated_at,
    owner: owner ? userBasic(sb, owner) : null,
  };
  if (!detail) return base;
  return {
    ...base,
    last_pipeline: last ? pipelineBasic(sb, project, last as Pipeline) : null,
    variables: s.variables.map((v) => ({ ...v })),
    inputs: s.inputs.map((i) => ({ ...i })),
  };
}

function find(ctx: RequestContext, project: Project): Schedule {
  const id = Number(ctx.params["pipeline_schedule_id"]);
  const found = schedules(ctx.sb).get(id);
  if (!found || found.project_id !== project.id) throw notFound("Pipeline Schedule");
  return found;
}

function readScheduleInputs(raw: unknown): Array<{ name: string; value: unknown }> | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (!Array.isArray(raw)) throw new ApiError(400, { error: "inputs is invalid" });
  return raw.map((entry, i) => {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || name === "")
      throw new ApiError(400, { error: `inputs[${i}][name] is missing` });
    return { name, value: (entry as { value?: unknown }).value };
  });
}

export function registerPipelineSchedules(r: RouteRegistrar): void {
  const base = "/projects/:id/pipeline_schedules";

  r.get(base, (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const scope = ctx.body.oneOf("scope", ["active", "inactive"] as const);
    const list = [...schedules(ctx.sb).values()].filter(
      (s) => s.project_id === project.id && (scope === undefined || s.active === (scope === "active")),
    );
    const page = paginate(list, ctx.query, ctx.url);
    return json(
      page.items.map((s) => scheduleJson(ctx.sb, project, s, false)),
      200,
      page.headers,
    );
  });

  r.get(`${base}/:pipeline_schedule_id`, (ctx) => {
    const project = ctx.project(ACCESS.developer);
    return json(scheduleJson(ctx.sb, project, find(ctx, project), true));
  });

  r.post(base, (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const user = ctx.requireUser();
    const description = ctx.body.requiredString("description");
    const ref = ctx.body.requiredString("ref");
    const cron = ctx.body.requiredString("cron");
    if (!CRON.test(cron)) throw badRequest({ cron: [" is invalid syntax"] });
    const at = now();
    const schedule: Schedule = {
      id: ctx.sb.state.nextId("pipeline_schedule"),
      project_id: project.id,
      description,
      ref: ref.replace(/^refs\/heads\//, ""),
      cron,
      cron_timezone: ctx.body.string("cron_timezone") ?? "UTC",
      active: ctx.body.bool("active") ?? true,
      owner_id: user.id,
      created_at: at,
      updated_at: at,
      variables: [],
      inputs: readScheduleInputs(ctx.body.raw("inputs")) ?? [],
      last_pipeline_id: null,
    };
    schedules(ctx.sb).set(schedule.id, schedule);
    return json(scheduleJson(ctx.sb, project, schedule, true), 201);
  });

  r.put(`${base}/:pipeline_schedule_id`, (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const user = ctx.requireUser();
    const schedule = find(ctx, project);
    if (schedule.owner_id !== user.id && ctx.sb.state.accessLevel(project, user.id) < ACCESS.maintainer)
      throw forbidden();
    const cron = ctx.body.string("cron");
    if (cron !== undefined && !CRON.test(cron)) throw badRequest({ cron: [" is invalid syntax"] });
    schedule.description = ctx.body.string("description") ?? schedule.description;
    schedule.ref = (ctx.body.string("ref") ?? schedule.ref).replace(/^refs\/heads\//, "");
    schedule.cron = cron ?? schedule.cron;
    schedule.cron_timezone = ctx.body.string("cron_timezone") ?? schedule.cron_timezone;
    schedule.active = ctx.body.bool("active") ?? schedule.active;
    schedule.inputs = readScheduleInputs(ctx.body.raw("inputs")) ?? schedule.inputs;
    schedule.updated_at = now();
    return json(scheduleJson(ctx.sb, project, schedule, true));
  });

  r.delete(`${base}/:pipeline_schedule_id`, (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const schedule = find(ctx, project);
    schedules(ctx.sb).delete(schedule.id);
    return json(scheduleJson(ctx.sb, project, schedule, true), 202);
  });

  r.post(`${base}/:pipeline_schedule_id/variables`, (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const schedule = find(ctx, project);
    const key = ctx.body.requiredString("key");
    const value = ctx.body.requiredString("value");
    const variableType = ctx.body.oneOf("variable_type", ["env_var", "file"] as const) ?? "env_var";
    if (schedule.variables.some((v) => v.key === key)) throw badRequest({ key: ["has already been taken"] });
    const variable = { key, value, variable_type: variableType };
    schedule.variables.push(variable);
    return json({ ...variable }, 201);
  });

  // Runs the schedule now: 201 at once, the pipeline made in the background as the schedule's owner.
  r.post(`${base}/:pipeline_schedule_id/play`, (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const schedule = find(ctx, project);
    const owner = ctx.sb.state.users.get(schedule.owner_id);
    if (!owner) throw forbidden();
    const inputs = Object.fromEntries(schedule.inputs.map((i) => [i.name, i.value]));
    ctx.sb.pipelines
      .create({
        project,
        user: owner,
        ref: schedule.ref,
        source: "schedule",
        variables: schedule.variables,
        inputs,
      })
      .then(
        (pipeline) => {
          schedule.last_pipeline_id = pipeline.id;
        },
        (error: unknown) => {
          console.error(`sandbox: pipeline schedule ${schedule.id} could not create its pipeline:`, error);
        },
      );
    return json({ message: "201 Created" }, 201);
  });
}
