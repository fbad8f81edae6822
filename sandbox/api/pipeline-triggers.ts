// A project's pipeline trigger tokens (glptt-...), and the pipelines they start: POST /projects/:id/trigger/pipeline
// and the webhook form POST /projects/:id/ref/:ref/trigger/pipeline?token=... (`source: trigger`, the request
// as the file-type variable TRIGGER_PAYLOAD). https://docs.gitlab.com/api/pipeline_triggers/, gitlabhq
// lib/api/ci/triggers.rb and app/services/ci/pipeline_trigger_service.rb.
import { ApiError, badRequest, notFound } from "../http/api-error.ts";
import { json, type Reply, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { ParamReader, type Params } from "../http/params.ts";
import type { PipelineVariable } from "../pipelines/pipeline-chain.ts";
import { ACCESS, type Project } from "../state/model.ts";
import { newSecret, now } from "../state/store.ts";
import { pipelineDetail } from "./pipeline-json.ts";
import { readInputs, readVariables } from "./pipeline-params.ts";
import { userBasic } from "./serialize.ts";

export function registerPipelineTriggers(r: RouteRegistrar): void {
  r.get("/projects/:id/triggers", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    return json(project.triggers.map((t) => triggerJson(ctx, t)));
  });

  r.post("/projects/:id/triggers", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const trigger = {
      id: ctx.sb.state.nextId("trigger"),
      token: newSecret("glptt-"),
      description: ctx.body.requiredString("description"),
      ownerId: ctx.requireUser().id,
      created_at: now(),
    };
    project.triggers.push(trigger);
    return json(triggerJson(ctx, trigger), 201);
  });

  // Trigger tokens authenticate by themselves: no user token is needed, the pipeline runs as the trigger's owner.
  // The `ref/:ref/` form is the one a webhook points at (https://docs.gitlab.com/ci/triggers/#use-a-webhook):
  // the ref comes from the path, the token from the query string, and the hook's JSON body is the payload.
  r.post("/projects/:id/trigger/pipeline", triggerPipeline);
  r.post("/projects/:id/ref/:ref/trigger/pipeline", triggerPipeline);
}

/** GitLab's `POST :id/(ref/:ref/)trigger/pipeline` (lib/api/ci/triggers.rb) and Ci::PipelineTriggerService. */
async function triggerPipeline(ctx: RequestContext): Promise<Reply> {
  // A Pipeline Hook pointed at the trigger API would start a pipeline per pipeline: GitLab answers 403
  // (triggers.rb, gitlab_pipeline_hook_request?).
  if (ctx.req.headers["x-gitlab-event"] === "Pipeline Hook")
    throw new ApiError(403, { message: "403 Forbidden" });
  // Grape merges the path's params over the body's: a payload's own `ref` loses to the path's.
  const params: Params = { ...ctx.body.all, ...ctx.params };
  const reader = new ParamReader(params);
  const missingParams = ["ref", "token"].filter((name) => (reader.string(name) ?? "") === "");
  if (missingParams.length > 0) {
    throw new ApiError(400, { error: missingParams.map((name) => `${name} is missing`).join(", ") });
  }
  const project = ctx.sb.state.findProject(ctx.params["id"] ?? "");
  if (!project) throw notFound("Project");
  const token = reader.requiredString("token");
  const trigger = project.triggers.find((t) => t.token === token);
  const owner = trigger ? ctx.sb.state.users.get(trigger.ownerId) : undefined;
  if (!trigger || !owner) throw notFound();
  const variables = readVariables(reader.raw("variables"));
  if (variables.some((v) => v.key === PAYLOAD_VARIABLE)) {
    throw badRequest({ base: [`Duplicate variable name: ${PAYLOAD_VARIABLE}`] });
  }
  const pipeline = await ctx.sb.pipelines.create({
    project,
    user: owner,
    ref: reader.requiredString("ref"),
    source: "trigger",
    // Every trigger pipeline carries the request as TRIGGER_PAYLOAD, a file-type pipeline variable; being a
    // pipeline variable, it is subject to ci_pipeline_variables_minimum_override_role like any other.
    variables: [...variables, payloadVariable(params)],
    inputs: readInputs(reader.raw("inputs")),
  });
  return json(pipelineDetail(ctx.sb, project, pipeline), 201);
}

const PAYLOAD_VARIABLE = "TRIGGER_PAYLOAD";

/**
 * Ci::PipelineTriggerService#payload_variable: the request's params without the token, as JSON, in a file-type
 * variable. The params are Grape's: the body's keys, then `id` and `ref` from the path, and `variables` as a
 * hash ({} when none were given), so a webhook's payload arrives with those three keys added.
 */
function payloadVariable(params: Params): PipelineVariable {
  const { token: _token, ...rest } = params;
  const variables = rest["variables"];
  const payload = {
    ...rest,
    variables:
      typeof variables === "object" && variables !== null && !Array.isArray(variables) ? variables : {},
  };
  return { key: PAYLOAD_VARIABLE, value: JSON.stringify(payload), variable_type: "file" };
}

function triggerJson(ctx: RequestContext, t: Project["triggers"][number]): Record<string, unknown> {
  return {
    id: t.id,
    description: t.description,
    created_at: t.created_at,
    updated_at: t.created_at,
    last_used: null,
    token: t.token,
    owner: userBasic(ctx.sb, ctx.sb.state.user(t.ownerId)),
  };
}
