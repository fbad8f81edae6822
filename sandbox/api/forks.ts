// Forks: POST /projects/:id/fork (into the caller's namespace or a group's), GET /projects/:id/forks. The fork's
// repository starts as a copy of the source's branches and tags, so fork merge requests can be tested.
// https://docs.gitlab.com/api/project_forks/
import { runGit } from "../git/git-command.ts";
import { ApiError, forbidden, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type Namespace, type Project } from "../state/model.ts";
import { now } from "../state/store.ts";
import { levelOf } from "./noteables.ts";
import { projectJson } from "./serialize.ts";

const PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const RANK = { private: 0, internal: 1, public: 2 } as const;

function forkNamespace(ctx: RequestContext): Namespace {
  const user = ctx.requireUser();
  const state = ctx.sb.state;
  const ref =
    ctx.body.string("namespace_id") ?? ctx.body.string("namespace_path") ?? ctx.body.string("namespace");
  if (ref === undefined || ref === "" || ref === user.username || ref === String(user.id)) {
    return { id: user.id, name: user.name, path: user.username, kind: "user", full_path: user.username };
  }
  const group = /^\d+$/.test(ref) ? state.groups.get(Number(ref)) : state.groupByPath(ref);
  if (group) {
    let level = 0;
    for (
      let g: typeof group | undefined = group;
      g;
      g = g.parent_id === null ? undefined : state.groups.get(g.parent_id)
    ) {
      level = Math.max(level, g.members.get(user.id) ?? 0);
    }
    if (!user.admin && level < ACCESS.developer) throw notFound("Target Namespace");
    return { id: group.id, name: group.name, path: group.path, kind: "group", full_path: group.full_path };
  }
  const owner = /^\d+$/.test(ref) ? state.users.get(Number(ref)) : state.userByUsername(ref);
  if (owner && user.admin) {
    return { id: owner.id, name: owner.name, path: owner.username, kind: "user", full_path: owner.username };
  }
  throw notFound("Target Namespace");
}

export function registerForks(r: RouteRegistrar): void {
  r.post("/projects/:id/fork", async (ctx) => {
    const source = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    const sb = ctx.sb;
    if (source.visibility === "private" && levelOf(sb, source, user) < ACCESS.reporter) throw forbidden();
    const namespace = forkNamespace(ctx);
    const path = ctx.body.string("path") ?? source.path;
    const name = ctx.body.string("name") ?? source.name;
    if (!PATH.test(path))
      throw new ApiError(400, { message: { path: ["can contain only letters, digits, '_', '-' and '.'"] } });
    const fullPath = `${namespace.full_path}/${path}`;
    if (sb.state.findProject(fullPath)) {
      throw new ApiError(409, {
        message: { name: ["has already been taken"], path: ["has already been taken"] },
      });
    }
    const wanted =
      ctx.body.oneOf("visibility", ["private", "internal", "public"] as const) ?? source.visibility;
    // A fork can never be more visible than its source.
    const visibility = RANK[wanted] <= RANK[source.visibility] ? wanted : source.visibility;
    const fork: Project = {
      id: sb.state.nextId("project"),
      name,
      path,
      namespace,
      path_with_namespace: fullPath,
      default_branch: source.default_branch,
      description: ctx.body.string("description") ?? source.description,
      visibility,
      created_at: now(),
      creator_id: user.id,
      forked_from_project_id: source.id,
      ci_pipeline_variables_minimum_override_role: "developer",
      ci_config_path: source.ci_config_path,
      members: new Map(
        namespace.kind === "user" && namespace.id === user.id ? [] : [[user.id, ACCESS.maintainer]],
      ),
      variables: [],
      protectedBranches: [],
      hooks: [],
      triggers: [],
    };
    await sb.repos.create(fullPath, { defaultBranch: source.default_branch });
    await runGit(
      [
        "fetch",
        "--quiet",
        "--no-write-fetch-head",
        sb.repos.repoDir(source.path_with_namespace),
        "+refs/heads/*:refs/heads/*",
        "+refs/tags/*:refs/tags/*",
      ],
      { gitDir: sb.repos.repoDir(fullPath) },
    );
    fork.protectedBranches.push({
      id: sb.state.nextId("protected"),
      name: fork.default_branch,
      push_access_level: ACCESS.maintainer,
      merge_access_level: ACCESS.maintainer,
      allow_force_push: false,
    });
    sb.state.projects.set(fork.id, fork);
    return json(
      {
        ...projectJson(sb, fork),
        forked_from_project: projectJson(sb, source),
        import_status: "finished",
      },
      201,
    );
  });

  r.get("/projects/:id/forks", (ctx) => {
    const source = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    const forks = [...ctx.sb.state.projects.values()].filter(
      (p) => p.forked_from_project_id === source.id && ctx.sb.state.canSee(p, user),
    );
    const page = paginate(forks, ctx.query, ctx.url);
    return json(
      page.items.map((p) => projectJson(ctx.sb, p)),
      200,
      page.headers,
    );
  });
}
