// A project's pipeline trigger tokens (glptt-...), and the pipelines they start: POST /projects/:id/trigger/pipeline
// (`source: trigger`). https://docs.gitlab.com/api/pipeline_triggers/
import { ApiError, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
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
