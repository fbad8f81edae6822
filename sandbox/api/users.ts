// Users, personal access tokens, and groups: the admin setup a test or a demo starts with.
import { ApiError, forbidden, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type AccessToken, type Group } from "../state/model.ts";
import { newSecret, now } from "../state/store.ts";
import { userBasic, userFull, userPublic } from "./serialize.ts";

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TOKEN_SCOPES = [
  "api",
  "read_api",
  "read_user",
  "read_repository",
  "write_repository",
  "sudo",
  "admin_mode",
  "create_runner",
  "ai_features",
  "k8s_proxy",
  "self_rotate",
];

function requireAdmin(ctx: RequestContext): void {
  if (!ctx.requireUser().admin) throw forbidden();
}

export function tokenJson(t: AccessToken, withToken: boolean): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    revoked: t.revoked,
    created_at: t.created_at,
    scopes: t.scopes,
    user_id: t.userId,
    active: !t.revoked && (t.expires_at === null || Date.parse(t.expires_at) >= Date.now()),
    expires_at: t.expires_at === null ? null : t.expires_at.slice(0, 10),
    ...(withToken ? { token: t.token } : {}),
  };
}

export function registerUsers(r: RouteRegistrar): void {
  r.get("/user", (ctx) => json(userFull(ctx.sb, ctx.requireUser())));

  r.get("/users", (ctx) => {
    ctx.requireUser();
    const username = ctx.query.get("username");
    const users = [...ctx.sb.state.users.values()].filter(
      (u) => username === null || u.username.toLowerCase() === username.toLowerCase(),
    );
    const page = paginate(users, ctx.query, ctx.url);
    return json(
      page.items.map((u) => userBasic(ctx.sb, u)),
      200,
      page.headers,
    );
  });

  r.get("/users/:user_id", (ctx) => {
    ctx.requireUser();
    const user = ctx.sb.state.user(Number(ctx.params["user_id"]));
    // lib/api/users.rb: administrators get UserDetailsWithAdmin, everyone else Entities::User (with `bot`).
    return json(ctx.user?.admin ? userFull(ctx.sb, user) : userPublic(ctx.sb, user));
  });

  r.post("/users", (ctx) => {
    requireAdmin(ctx);
    const username = ctx.body.requiredString("username");
    const name = ctx.body.requiredString("name");
    const email = ctx.body.requiredString("email");
    if (!USERNAME.test(username)) throw new ApiError(400, { message: { username: ["is invalid"] } });
    const state = ctx.sb.state;
    if (state.userByUsername(username))
      throw new ApiError(409, { message: "Username has already been taken" });
    for (const u of state.users.values()) {
      if (u.email.toLowerCase() === email.toLowerCase()) {
        throw new ApiError(409, { message: "Email has already been taken" });
      }
    }
    const user = {
      id: state.nextId("user"),
      username,
      name,
      email,
      admin: ctx.body.bool("admin") ?? false,
      bot: ctx.body.bool("bot") ?? false,
      created_at: now(),
    };
    state.users.set(user.id, user);
    return json(userFull(ctx.sb, user), 201);
  });

  r.post("/users/:user_id/personal_access_tokens", (ctx) => {
    requireAdmin(ctx);
    const user = ctx.sb.state.user(Number(ctx.params["user_id"]));
    const name = ctx.body.requiredString("name");
    const scopes = (ctx.body.list("scopes") ?? []).map(String);
    if (scopes.length === 0) throw new ApiError(400, { error: "scopes is missing" });
    for (const s of scopes) {
      if (!TOKEN_SCOPES.includes(s)) throw new ApiError(400, { error: "scopes does not have a valid value" });
    }
    const expires = ctx.body.string("expires_at");
    if (expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(expires)) {
      throw new ApiError(400, { error: "expires_at is invalid" });
    }
    const token: AccessToken = {
      id: ctx.sb.state.nextId("token"),
      userId: user.id,
      name,
      token: newSecret("glpat-"),
      scopes,
      expires_at: expires === undefined ? null : `${expires}T23:59:59.999Z`,
      created_at: now(),
      revoked: false,
    };
    ctx.sb.state.tokens.set(token.token, token);
    return json(tokenJson(token, true), 201);
  });

  r.get("/personal_access_tokens/self", (ctx) => {
    ctx.requireUser();
    if (!ctx.token) throw notFound();
    return json(tokenJson(ctx.token, false));
  });

  r.post("/groups", (ctx) => {
    const user = ctx.requireUser();
    const name = ctx.body.requiredString("name");
    const path = ctx.body.requiredString("path");
    const parentId = ctx.body.int("parent_id");
    const state = ctx.sb.state;
    const parent = parentId === undefined ? undefined : state.groups.get(parentId);
    if (parentId !== undefined && !parent) throw notFound("Group");
    const fullPath = parent ? `${parent.full_path}/${path}` : path;
    if (state.groupByPath(fullPath))
      throw new ApiError(400, { message: 'Failed to save group {:path=>["has already been taken"]}' });
    const group: Group = {
      id: state.nextId("group"),
      name,
      path,
      full_path: fullPath,
      parent_id: parent?.id ?? null,
      members: new Map([[user.id, ACCESS.owner]]),
      created_at: now(),
    };
    state.groups.set(group.id, group);
    return json(groupJson(ctx, group), 201);
  });

  r.get("/groups/:id", (ctx) => {
    ctx.requireUser();
    return json(groupJson(ctx, findGroup(ctx)));
  });

  r.post("/groups/:id/members", (ctx) => {
    const user = ctx.requireUser();
    const group = findGroup(ctx);
    if (!user.admin && (group.members.get(user.id) ?? 0) < ACCESS.maintainer) throw forbidden();
    const member = ctx.sb.state.user(ctx.body.requiredInt("user_id"));
    const level = ctx.body.requiredInt("access_level");
    if (!Object.values(ACCESS).includes(level) || level === 0)
      throw new ApiError(400, { error: "access_level does not have a valid value" });
    if (group.members.has(member.id)) throw new ApiError(409, { message: "Member already exists" });
    group.members.set(member.id, level);
    return json({ ...userBasic(ctx.sb, member), access_level: level, expires_at: null }, 201);
  });
}

function findGroup(ctx: RequestContext): Group {
  const ref = ctx.params["id"] ?? "";
  const group = /^\d+$/.test(ref) ? ctx.sb.state.groups.get(Number(ref)) : ctx.sb.state.groupByPath(ref);
  if (!group) throw notFound("Group");
  return group;
}

function groupJson(ctx: RequestContext, g: Group): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    path: g.path,
    full_path: g.full_path,
    full_name: g.full_path.split("/").join(" / "),
    parent_id: g.parent_id,
    visibility: "private",
    web_url: `${ctx.sb.baseUrl}/groups/${g.full_path}`,
    created_at: g.created_at,
  };
}
