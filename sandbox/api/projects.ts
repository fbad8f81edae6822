// Projects: creation (with an initial README), listing, reading and settings, and (for now) their webhooks.
// A project's members, CI/CD variables, pipeline triggers and protected branches have files of their own, one
// per GitLab resource as gitbeaker has them.
import { randomUUID } from "node:crypto";
import { ApiError, badRequest, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type Namespace, type Project, type ProjectHook } from "../state/model.ts";
import { now } from "../state/store.ts";
import { projectJson } from "./serialize.ts";

const PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const OVERRIDE_ROLES = ["no_one_allowed", "developer", "maintainer", "owner"] as const;

export function registerProjects(r: RouteRegistrar): void {
  r.post("/projects", async (ctx) => {
    const user = ctx.requireUser();
    const name = ctx.body.string("name");
    const path = ctx.body.string("path") ?? name?.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-");
    if (!name && !path)
      throw new ApiError(400, { error: "name, path are missing, at least one parameter must be provided" });
    if (!path || !PATH.test(path))
      throw badRequest({ path: ["can contain only letters, digits, '_', '-' and '.'"] });
    const namespace = resolveNamespace(
      ctx,
      ctx.body.string("namespace_id") ?? ctx.body.string("namespace_path"),
    );
    const state = ctx.sb.state;
    const fullPath = `${namespace.full_path}/${path}`;
    if (state.findProject(fullPath)) {
      throw badRequest({ name: ["has already been taken"], path: ["has already been taken"] });
    }
    const defaultBranch = ctx.body.string("default_branch") ?? "main";
    const project: Project = {
      id: state.nextId("project"),
      name: name ?? path,
      path,
      namespace,
      path_with_namespace: fullPath,
      default_branch: defaultBranch,
      description: ctx.body.string("description") ?? "",
      visibility: ctx.body.oneOf("visibility", ["private", "internal", "public"] as const) ?? "private",
      created_at: now(),
      creator_id: user.id,
      forked_from_project_id: null,
      ci_pipeline_variables_minimum_override_role: "developer",
      ci_config_path: ctx.body.string("ci_config_path") ?? "",
      members: new Map(namespace.kind === "user" ? [] : [[user.id, ACCESS.maintainer]]),
      variables: [],
      protectedBranches: [],
      hooks: [],
      triggers: [],
    };
    if (namespace.kind === "user" && namespace.id !== user.id)
      project.members.set(user.id, ACCESS.maintainer);
    const readme = ctx.body.bool("initialize_with_readme") ?? false;
    await ctx.sb.repos.create(fullPath, {
      defaultBranch,
      ...(readme
        ? { readme: { content: `# ${project.name}\n`, author: { name: user.name, email: user.email } } }
        : {}),
    });
    // GitLab protects the default branch of a new project: only Maintainers push or merge.
    project.protectedBranches.push({
      id: state.nextId("protected"),
      name: defaultBranch,
      push_access_level: ACCESS.maintainer,
      merge_access_level: ACCESS.maintainer,
      allow_force_push: false,
    });
    state.projects.set(project.id, project);
    return json(projectJson(ctx.sb, project), 201);
  });

  r.get("/projects", (ctx) => {
    const user = ctx.requireUser();
    const membership = ctx.body.bool("membership") ?? false;
    const search = ctx.query.get("search")?.toLowerCase();
    const list = [...ctx.sb.state.projects.values()].filter((p) => {
      const level = ctx.sb.state.accessLevel(p, user.id);
      if (membership ? level < ACCESS.guest : !ctx.sb.state.canSee(p, user)) return false;
      return search === undefined || p.path_with_namespace.toLowerCase().includes(search);
    });
    const page = paginate(list, ctx.query, ctx.url);
    return json(
      page.items.map((p) => projectJson(ctx.sb, p)),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id", (ctx) => json(projectJson(ctx.sb, ctx.project())));

  r.put("/projects/:id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const role = ctx.body.oneOf("ci_pipeline_variables_minimum_override_role", OVERRIDE_ROLES);
    if (role !== undefined) project.ci_pipeline_variables_minimum_override_role = role;
    // Older API spelling: restrict_user_defined_variables=false means anyone with Developer may.
    const restrict = ctx.body.bool("restrict_user_defined_variables");
    if (restrict === false) project.ci_pipeline_variables_minimum_override_role = "developer";
    const name = ctx.body.string("name");
    if (name !== undefined) project.name = name;
    const description = ctx.body.string("description");
    if (description !== undefined) project.description = description;
    const branch = ctx.body.string("default_branch");
    if (branch !== undefined) project.default_branch = branch;
    const visibility = ctx.body.oneOf("visibility", ["private", "internal", "public"] as const);
    if (visibility !== undefined) project.visibility = visibility;
    const ciPath = ctx.body.string("ci_config_path");
    if (ciPath !== undefined) project.ci_config_path = ciPath;
    return json(projectJson(ctx.sb, project));
  });

  // Webhooks -----------------------------------------------------------------------------------------
  const hookJson = (project: Project, h: ProjectHook): Record<string, unknown> => {
    const { token: _token, ...rest } = h; // GitLab never returns a hook's secret token
    return { ...rest, project_id: project.id, alert_status: "executable", disabled_until: null };
  };

  r.get("/projects/:id/hooks", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const page = paginate(
      project.hooks.map((h) => hookJson(project, h)),
      ctx.query,
      ctx.url,
    );
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/hooks/:hook_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    return json(hookJson(project, findHook(project, ctx)));
  });

  r.post("/projects/:id/hooks", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const url = ctx.body.requiredString("url");
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
    } catch {
      throw badRequest({ url: ["is blocked: Only allowed schemes are http, https"] });
    }
    const hook: ProjectHook = {
      id: ctx.sb.state.nextId("hook"),
      url,
      token: ctx.body.string("token") ?? "",
      note_events: ctx.body.bool("note_events") ?? false,
      confidential_note_events: ctx.body.bool("confidential_note_events") ?? false,
      issues_events: ctx.body.bool("issues_events") ?? false,
      confidential_issues_events: ctx.body.bool("confidential_issues_events") ?? false,
      merge_requests_events: ctx.body.bool("merge_requests_events") ?? false,
      push_events: ctx.body.bool("push_events") ?? true,
      pipeline_events: ctx.body.bool("pipeline_events") ?? false,
      job_events: ctx.body.bool("job_events") ?? false,
      enable_ssl_verification: ctx.body.bool("enable_ssl_verification") ?? true,
      created_at: now(),
      uuid: randomUUID(),
    };
    project.hooks.push(hook);
    return json(hookJson(project, hook), 201);
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
    const events = [...ctx.sb.state.deliveries.values()]
      .filter((d) => d.hook_id === hook.id)
      .reverse()
      .map((d) => ({
        id: d.id,
        url: d.url,
        trigger: d.trigger,
        request_headers: d.request_headers,
        request_data: d.request_data,
        response_headers: {},
        response_body: d.response_body,
        execution_duration: d.execution_duration,
        response_status: d.response_status,
        attempts: d.attempts.length,
      }));
    const page = paginate(events, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });
}

function findHook(project: Project, ctx: RequestContext): ProjectHook {
  const hook = project.hooks.find((h) => h.id === Number(ctx.params["hook_id"]));
  if (!hook) throw notFound("Hook");
  return hook;
}

/** `namespace_id` as an id or a path; a missing namespace means the caller's personal one. */
function resolveNamespace(ctx: RequestContext, ref: string | undefined): Namespace {
  const user = ctx.requireUser();
  const state = ctx.sb.state;
  if (ref === undefined || ref === "") {
    return { id: user.id, name: user.name, path: user.username, kind: "user", full_path: user.username };
  }
  const group = /^\d+$/.test(ref) ? state.groups.get(Number(ref)) : state.groupByPath(ref);
  if (group) {
    if (!user.admin && (group.members.get(user.id) ?? 0) < ACCESS.developer) throw notFound("Namespace");
    return { id: group.id, name: group.name, path: group.path, kind: "group", full_path: group.full_path };
  }
  const owner = /^\d+$/.test(ref) ? undefined : state.userByUsername(ref);
  if (owner && (owner.id === user.id || user.admin)) {
    return { id: owner.id, name: owner.name, path: owner.username, kind: "user", full_path: owner.username };
  }
  throw notFound("Namespace");
}
