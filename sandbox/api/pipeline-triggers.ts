// A project's pipeline trigger tokens (glptt-...), which POST /projects/:id/trigger/pipeline accepts.
// https://docs.gitlab.com/api/pipeline_triggers/
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { ACCESS, type Project } from "../state/model.ts";
import { newSecret, now } from "../state/store.ts";
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
