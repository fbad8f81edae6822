// Project access tokens: each is a bot user of its own, a member of the project at the token's role, with a
// token of the chosen scopes. https://docs.gitlab.com/api/project_access_tokens/ and GitLab's
// ResourceAccessTokens::CreateService (app/services/resource_access_tokens/create_service.rb): a Maintainer
// may create them; only an Owner may give one the Owner role ("Could not provision owner access to project
// access token"); the bot's username is `project_<id>_bot_<hex>` and its name is the token's name; the
// default role is Maintainer. Revoking (ResourceAccessTokens::RevokeService) revokes the token and removes
// the bot from the project.
import { randomBytes } from "node:crypto";
import { ApiError, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type AccessToken, type Project } from "../state/model.ts";
import { newSecret, now } from "../state/store.ts";

// lib/api/resource_access_tokens.rb: the scopes a resource access token may hold.
const SCOPES = [
  "api",
  "read_api",
  "read_registry",
  "write_registry",
  "read_repository",
  "write_repository",
  "create_runner",
  "manage_runner",
  "ai_features",
  "k8s_proxy",
  "self_rotate",
];
const LEVELS = [10, 15, 20, 30, 40, 50];
const DAY_MS = 86_400_000;
// PersonalAccessToken::MAX_PERSONAL_ACCESS_TOKEN_LIFETIME_IN_DAYS: an omitted expiry gets the maximum.
const MAX_LIFETIME_DAYS = 365;

function tokenJson(project: Project, t: AccessToken, withToken: boolean): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    revoked: t.revoked,
    created_at: t.created_at,
    scopes: t.scopes,
    user_id: t.userId,
    last_used_at: null,
    active: !t.revoked && (t.expires_at === null || Date.parse(t.expires_at) >= Date.now()),
    expires_at: t.expires_at === null ? null : t.expires_at.slice(0, 10),
    access_level: project.members.get(t.userId) ?? 0,
    ...(withToken ? { token: t.token } : {}),
  };
}

/** The project's resource tokens: those of the bot users it created. */
function projectTokens(ctx: RequestContext, project: Project): AccessToken[] {
  return [...ctx.sb.state.tokens.values()].filter((t) => {
    const user = ctx.sb.state.users.get(t.userId);
    return user?.bot === true && user.username.startsWith(`project_${project.id}_bot_`);
  });
}

export function registerProjectAccessTokens(r: RouteRegistrar): void {
  r.get("/projects/:id/access_tokens", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const state = ctx.query.get("state");
    const list = projectTokens(ctx, project)
      .map((t) => tokenJson(project, t, false))
      .filter((t) => state === null || (state === "active") === t["active"]);
    const page = paginate(list, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/access_tokens/:token_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const token = projectTokens(ctx, project).find((t) => t.id === Number(ctx.params["token_id"]));
    if (!token) throw notFound();
    return json(tokenJson(project, token, false));
  });

  r.post("/projects/:id/access_tokens", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const caller = ctx.requireUser();
    const name = ctx.body.requiredString("name");
    const scopes = (ctx.body.list("scopes") ?? []).map(String);
    if (scopes.length === 0) throw new ApiError(400, { error: "scopes is missing" });
    if (scopes.some((s) => !SCOPES.includes(s))) {
      throw new ApiError(400, { error: "scopes does not have a valid value" });
    }
    const level = ctx.body.int("access_level") ?? ACCESS.maintainer;
    if (!LEVELS.includes(level))
      throw new ApiError(400, { error: "access_level does not have a valid value" });
    const state = ctx.sb.state;
    if (level === ACCESS.owner && !caller.admin && state.accessLevel(project, caller.id) < ACCESS.owner) {
      throw new ApiError(400, { message: "Could not provision owner access to project access token" });
    }
    const expires = ctx.body.string("expires_at");
    if (expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(expires)) {
      throw new ApiError(400, { error: "expires_at is invalid" });
    }
    const expiresAt = expires ?? new Date(Date.now() + MAX_LIFETIME_DAYS * DAY_MS).toISOString().slice(0, 10);
    if (Date.parse(`${expiresAt}T23:59:59.999Z`) < Date.now()) {
      throw new ApiError(400, { message: "Expiration date must be in the future" });
    }
    const username = `project_${project.id}_bot_${randomBytes(16).toString("hex")}`;
    const bot = {
      id: state.nextId("user"),
      username,
      name,
      email: `${username}@noreply.127.0.0.1`,
      admin: false,
      bot: true,
      created_at: now(),
    };
    state.users.set(bot.id, bot);
    project.members.set(bot.id, level);
    const token: AccessToken = {
      id: state.nextId("token"),
      userId: bot.id,
      name,
      token: newSecret("glpat-"),
      scopes,
      expires_at: `${expiresAt}T23:59:59.999Z`,
      created_at: now(),
      revoked: false,
    };
    state.tokens.set(token.token, token);
    return json(tokenJson(project, token, true), 201);
  });

  r.delete("/projects/:id/access_tokens/:token_id", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const token = projectTokens(ctx, project).find((t) => t.id === Number(ctx.params["token_id"]));
    if (!token) throw notFound();
    token.revoked = true;
    project.members.delete(token.userId);
    return { status: 204 };
  });
}
