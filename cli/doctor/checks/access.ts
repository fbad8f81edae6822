// The access check: the bot's effective role in the project, which must be at least Developer to write notes,
// award emoji, create pipelines and push branches.
import { describeError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { curl, projectApi } from "../snippets.ts";
import type { CheckResult, Context } from "../types.ts";
import { DEVELOPER, roleName } from "../wording.ts";

export function accessCheck(ctx: Context): CheckResult {
  const { access } = ctx;
  const base = { id: "access", title: "bot's access" } as const;
  const bot = `@${ctx.user.username}`;
  const path = ctx.project.path_with_namespace;
  const needs =
    "needs at least Developer (30) to write notes, award emoji, create pipelines and push branches";
  if (!access.ok) {
    return {
      ...base,
      status: "warn",
      finding: `could not read ${bot}'s membership: ${describeError(access.error)}`,
      fix: [`Make sure ${bot} is at least Developer in ${path} (Manage > Members)`],
    };
  }
  const level = access.value;
  if (level === null && ctx.user.is_admin) {
    return {
      ...base,
      status: "warn",
      finding: `${bot} is not a member of ${path} but an administrator: it works, with far more power than it needs`,
      fix: [
        "Use a dedicated bot instead: a project or group access token with role Developer (docs/quickstart.md step 1)",
      ],
    };
  }
  if (level === null) {
    return {
      ...base,
      status: "fail",
      finding: `${bot} is not a member of ${path} (or its membership awaits approval); it ${needs}`,
      fix: [
        `UI: Manage > Members > Invite members: ${bot}, role Developer`,
        `API: ${curl("POST", projectApi(ctx, "/members"), [`user_id=${ctx.user.id}`, "access_level=30"])}`,
      ],
    };
  }
  if (level < DEVELOPER) {
    return {
      ...base,
      status: "fail",
      finding: `${bot} is ${roleName(level)} in ${path}; it ${needs}`,
      fix: [
        `UI: Manage > Members: change ${bot}'s role to Developer`,
        `API: ${curl("PUT", projectApi(ctx, `/members/${ctx.user.id}`), ["access_level=30"])}`,
        "If the membership comes from a group, change it there (PUT /groups/:id/members/:user_id) or add a direct one (POST /projects/:id/members)",
        ...(ctx.user.bot
          ? [
              "A project or group access token's role is fixed when it is made: make a new token with role Developer instead",
            ]
          : []),
      ],
    };
  }
  return { ...base, status: "ok", finding: `${bot} is ${roleName(level)} in ${path}`, fix: [] };
}
