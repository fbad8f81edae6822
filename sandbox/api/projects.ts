// Projects: creation (with an initial README), listing, reading and settings. Their webhooks are in
// ../hooks/hook-routes.ts.
// A project's members, CI/CD variables, pipeline triggers and protected branches have files of their own, one
// per GitLab resource as gitbeaker has them.
import { ApiError, badRequest, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type Namespace, type Project } from "../state/model.ts";
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
