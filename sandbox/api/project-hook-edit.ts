// Editing a project webhook: PUT /projects/:id/hooks/:hook_id (https://docs.gitlab.com/api/project_webhooks/
// #edit-a-project-webhook). `url` is required as in GitLab's lib/api/hooks/ (its `requires :url`); every other
// attribute left out keeps its value; `token` sets a new secret token (never returned).
import { badRequest, notFound } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { alertStatus } from "../hooks/auto-disabling.ts";
import { ACCESS, type ProjectHook } from "../state/model.ts";

const EVENTS = [
  "note_events",
  "confidential_note_events",
  "issues_events",
  "merge_requests_events",
  "push_events",
  "pipeline_events",
  "job_events",
  "enable_ssl_verification",
] as const satisfies ReadonlyArray<keyof ProjectHook>;

export function registerProjectHookEdit(r: RouteRegistrar): void {
  r.put("/projects/:id/hooks/:hook_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const hook = project.hooks.find((h) => h.id === Number(ctx.params["hook_id"]));
    if (!hook) throw notFound("Hook");
    const url = ctx.body.requiredString("url");
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
    } catch {
      throw badRequest({ url: ["is blocked: Only allowed schemes are http, https"] });
    }
    hook.url = url;
    const token = ctx.body.string("token");
    if (token !== undefined) hook.token = token;
    for (const key of EVENTS) {
      const value = ctx.body.bool(key);
      if (value !== undefined) hook[key] = value;
    }
    const { token: _token, recent_failures: _failures, ...rest } = hook;
    return json({ ...rest, project_id: project.id, alert_status: alertStatus(hook, ctx.sb.hooks.now()) });
  });
}
