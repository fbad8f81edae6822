// The bot step of `agent-bridge setup`: the GitLab user the assistant acts as. A token handed in is used as
// it is (preflight checked it); otherwise the token already in the project's GITLAB_TOKEN is kept when it
// still works with the right scopes and role; otherwise a project access token is created and stored in
// GITLAB_TOKEN at once. If storing it fails the new token is revoked: no orphan bot is left behind.
import { getMemberAccessLevel } from "../../shared/gitlab/api/members.ts";
import { getCurrentUser } from "../../shared/gitlab/api/users.ts";
import {
  createProjectAccessToken,
  getTokenSelf,
  revokeProjectAccessToken,
} from "../../shared/gitlab/api/access-tokens.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { facts, SetupStop, type SetupContext } from "./context.ts";
import { botLevel } from "./preflight.ts";
import { ensureVariable } from "./variables.ts";

const STEP = "bot";
const SCOPES = ["api", "write_repository"];

/** Whether a token still does the bot's job: it works, has the scopes, and the role in the project. */
async function usable(
  ctx: SetupContext,
  token: string,
): Promise<{ userId: number; username: string } | null> {
  const bot = ctx.clientFor(token);
  try {
    const user = await getCurrentUser(bot);
    const self = await getTokenSelf(bot).catch(() => undefined);
    if (self && (self.active === false || !SCOPES.every((s) => self.scopes.includes(s)))) return null;
    const level = await getMemberAccessLevel(ctx.gitlab, facts(ctx).project.id, user.id);
    if ((level ?? 0) < botLevel(ctx)) return null;
    return { userId: user.id, username: user.username };
  } catch {
    return null;
  }
}

export async function botStep(ctx: SetupContext): Promise<void> {
  const { options } = ctx;
  const { project, variables } = facts(ctx);

  if (options.botToken !== undefined) {
    const user = await getCurrentUser(ctx.clientFor(options.botToken));
    ctx.state.bot = { token: options.botToken, userId: user.id, username: user.username };
    ctx.report({ step: STEP, outcome: "checked", detail: `using the given token of @${user.username}` });
    const outcome = await ensureVariable(ctx, {
      key: "GITLAB_TOKEN",
      value: options.botToken,
      masked: true,
      protected: true,
    });
    ctx.report({
      step: "CI/CD variables",
      outcome,
      detail: "GITLAB_TOKEN (the bot's token), masked and protected",
    });
    return;
  }

  const stored = variables.get("GITLAB_TOKEN")?.value ?? null;
  if (stored !== null) {
    const user = await usable(ctx, stored);
    if (user) {
      ctx.state.bot = { token: stored, ...user };
      ctx.report({
        step: STEP,
        outcome: "unchanged",
        detail: `@${user.username} (the project's GITLAB_TOKEN) works, with api and write_repository, as ${options.botRole} or above`,
      });
      const outcome = await ensureVariable(ctx, {
        key: "GITLAB_TOKEN",
        value: stored,
        masked: true,
        protected: true,
      });
      ctx.report({ step: "CI/CD variables", outcome, detail: "GITLAB_TOKEN, masked and protected" });
      return;
    }
    ctx.progress(
      "the project's GITLAB_TOKEN no longer works for the bot (expired, revoked, scopes or role): making a new one",
    );
  }

  let created;
  try {
    created = await createProjectAccessToken(ctx.gitlab, project.id, {
      name: options.botName,
      scopes: SCOPES,
      accessLevel: botLevel(ctx),
      expiresAt: options.botExpiresAt,
    });
  } catch (error) {
    const said = isGitLabApiError(error) ? error.message : String(error);
    throw new SetupStop(STEP, `GitLab refused to create a project access token: ${said}`, [
      "Project access tokens need GitLab Premium on GitLab.com (any tier on self-managed), and may be turned off for the group",
      "Or make the bot yourself (a service account or a project access token with role Maintainer and scopes api and write_repository) and pass it as AGENT_BRIDGE_BOT_TOKEN",
    ]);
  }
  const token = created.token ?? "";
  try {
    const outcome = await ensureVariable(ctx, {
      key: "GITLAB_TOKEN",
      value: token,
      masked: true,
      protected: true,
    });
    const user = await getCurrentUser(ctx.clientFor(token));
    ctx.state.bot = { token, userId: user.id, username: user.username };
    ctx.report({
      step: STEP,
      outcome: "created",
      detail: `project access token "${options.botName}" (@${user.username}), ${options.botRole}, api and write_repository, expires ${options.botExpiresAt}`,
    });
    ctx.report({
      step: "CI/CD variables",
      outcome,
      detail: "GITLAB_TOKEN (the bot's token), masked and protected",
    });
  } catch (error) {
    await revokeProjectAccessToken(ctx.gitlab, project.id, created.id).catch(() => undefined);
    throw error;
  }
}
