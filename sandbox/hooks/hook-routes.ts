// The project hooks API (https://docs.gitlab.com/api/project_webhooks/): create, list, show and delete a
// hook (editing is ../api/project-hook-edit.ts), with its auto-disable state (alert_status, disabled_until: API::Entities::Hook); the hook
// events API listing the logged deliveries (API::Hooks::Events, API::Entities::WebHookLog) with the secret
// token shown as [REDACTED] (WebHookLog#request_headers); and resending one (API::Hooks::ResendHook).
import { ApiError, badRequest, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type HookDelivery, type Project, type ProjectHook } from "../state/model.ts";
import { now } from "../state/store.ts";
import { alertStatus } from "./auto-disabling.ts";

/** Events API page size: GitLab allows 1..20, default 20. */
const EVENTS_PER_PAGE = 20;

export function registerHookRoutes(r: RouteRegistrar): void {
  const hookJson = (ctx: RequestContext, project: Project, h: ProjectHook): Record<string, unknown> => {
    const { token: _token, recent_failures: _failures, ...rest } = h; // GitLab never returns a hook's token
    return {
      ...rest,
      project_id: project.id,
      alert_status: alertStatus(h, ctx.sb.hooks.now()),
      disabled_until: h.disabled_until,
    };
  };

  r.get("/projects/:id/hooks", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const page = paginate(
      project.hooks.map((h) => hookJson(ctx, project, h)),
      ctx.query,
      ctx.url,
    );
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/hooks/:hook_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    return json(hookJson(ctx, project, findHook(project, ctx)));
  });

  r.post("/projects/:id/hooks", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const url = checkedUrl(ctx.body.requiredString("url"));
    const flag = (name: string, fallback: boolean) => ctx.body.bool(name) ?? fallback;
    const hook: ProjectHook = {
      id: ctx.sb.state.nextId("hook"),
      url,
      token: ctx.body.string("token") ?? "",
      note_events: flag("note_events", false),
      confidential_note_events: flag("confidential_note_events", false),
      issues_events: flag("issues_events", false),
      confidential_issues_events: flag("confidential_issues_events", false),
      merge_requests_events: flag("merge_requests_events", false),
      push_events: flag("push_events", true),
      pipeline_events: flag("pipeline_events", false),
      job_events: flag("job_events", false),
      enable_ssl_verification: flag("enable_ssl_verification", true),
      created_at: now(),
      recent_failures: 0,
      disabled_until: null,
    };
    project.hooks.push(hook);
    return json(hookJson(ctx, project, hook), 201);
  });

  r.delete("/projects/:id/hooks/:hook_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const hook = findHook(project, ctx);
    project.hooks.splice(project.hooks.indexOf(hook), 1);
    return { status: 204 };
  });

  r.get("/projects/:id/hooks/:hook_id/events", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const hook = findHook(project, ctx);
    const wanted = statusFilter(ctx.query.get("status"));
    const events = [...ctx.sb.state.deliveries.values()]
      .filter((d) => d.hook_id === hook.id && wanted(d.response_status))
      .reverse()
      .map(eventJson);
    const query = new URLSearchParams(ctx.query);
    const perPage = Number(query.get("per_page") ?? EVENTS_PER_PAGE);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > EVENTS_PER_PAGE) {
      throw new ApiError(400, { error: "per_page does not have a valid value" });
    }
    query.set("per_page", String(perPage));
    const page = paginate(events, query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.post("/projects/:id/hooks/:hook_id/events/:hook_log_id/resend", async (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const hook = findHook(project, ctx);
    const logged = ctx.sb.state.deliveries.get(Number(ctx.params["hook_log_id"]));
    if (!logged || logged.hook_id !== hook.id) throw notFound();
    const result = await ctx.sb.hooks.resend(project, hook, logged);
    if (!result.ok) throw new ApiError(422, { message: result.message });
    return json({ response_status: result.status }, 201);
  });
}

function eventJson(d: HookDelivery): Record<string, unknown> {
  const headers = { ...d.request_headers };
  if ("X-Gitlab-Token" in headers) headers["X-Gitlab-Token"] = "[REDACTED]";
  return {
    id: d.id,
    url: d.url,
    trigger: d.trigger,
    request_headers: headers,
    request_data: d.request_data,
    response_headers: d.response_headers,
    response_body: d.response_body,
    execution_duration: d.execution_duration,
    response_status: d.response_status,
    created_at: d.created_at,
  };
}

/** The events API's `status`: HTTP codes, or successful (2xx), client_failure (4xx), server_failure (5xx). */
function statusFilter(raw: string | null): (status: string) => boolean {
  if (raw === null || raw === "") return () => true;
  const wanted = raw.split(",").map((s) => s.trim());
  return (status) =>
    wanted.some(
      (w) =>
        w === status ||
        (w === "successful" && /^2/.test(status)) ||
        (w === "client_failure" && /^4/.test(status)) ||
        (w === "server_failure" && /^5/.test(status)),
    );
}

function checkedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
  } catch {
    throw badRequest({ url: ["is blocked: Only allowed schemes are http, https"] });
  }
  return url;
}

function findHook(project: Project, ctx: RequestContext): ProjectHook {
  const hook = project.hooks.find((h) => h.id === Number(ctx.params["hook_id"]));
  if (!hook) throw notFound("Hook");
  return hook;
}
