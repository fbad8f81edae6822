// A project's members: its direct members and, under /members/all, everyone with access through it or its
// groups, with GitLab's access levels. https://docs.gitlab.com/api/members/
import { ApiError, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS } from "../state/model.ts";
import { now } from "../state/store.ts";
import { userBasic } from "./serialize.ts";

/** The levels a member may be given (GitLab's roles; none is not one). */
const LEVELS = [10, 15, 20, 30, 40, 50];

export function registerProjectMembers(r: RouteRegistrar): void {
  const memberJson = (ctx: RequestContext, userId: number, level: number): Record<string, unknown> => ({
    ...userBasic(ctx.sb, ctx.sb.state.user(userId)),
    access_level: level,
    created_at: now(),
    expires_at: null,
  });

  r.get("/projects/:id/members", (ctx) => {
    const project = ctx.project();
    const list = [...project.members.entries()].map(([id, level]) => memberJson(ctx, id, level));
    const page = paginate(list, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/members/all", (ctx) => {
    const project = ctx.project();
    const list = [...ctx.sb.state.users.values()]
      .map((u) => ({ id: u.id, level: ctx.sb.state.accessLevel(project, u.id) }))
      .filter((m) => m.level > 0)
      .map((m) => memberJson(ctx, m.id, m.level));
    const page = paginate(list, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/members/all/:user_id", (ctx) => {
    const project = ctx.project();
    const userId = Number(ctx.params["user_id"]);
    const level = ctx.sb.state.users.has(userId) ? ctx.sb.state.accessLevel(project, userId) : 0;
    if (level === 0) throw notFound();
    return json(memberJson(ctx, userId, level));
  });

  r.get("/projects/:id/members/:user_id", (ctx) => {
    const project = ctx.project();
    const userId = Number(ctx.params["user_id"]);
    const level = project.members.get(userId);
    if (level === undefined) throw notFound();
    return json(memberJson(ctx, userId, level));
  });

  r.post("/projects/:id/members", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const user = ctx.sb.state.user(ctx.body.requiredInt("user_id"));
    const level = ctx.body.requiredInt("access_level");
    if (!LEVELS.includes(level))
      throw new ApiError(400, { error: "access_level does not have a valid value" });
    if (project.members.has(user.id)) throw new ApiError(409, { message: "Member already exists" });
    project.members.set(user.id, level);
    return json(memberJson(ctx, user.id, level), 201);
  });

  r.put("/projects/:id/members/:user_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const userId = Number(ctx.params["user_id"]);
    if (!project.members.has(userId)) throw notFound();
    const level = ctx.body.requiredInt("access_level");
    if (!LEVELS.includes(level))
      throw new ApiError(400, { error: "access_level does not have a valid value" });
    project.members.set(userId, level);
    return json(memberJson(ctx, userId, level));
  });

  r.delete("/projects/:id/members/:user_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    if (!project.members.delete(Number(ctx.params["user_id"]))) throw notFound();
    return { status: 204 };
  });
}
