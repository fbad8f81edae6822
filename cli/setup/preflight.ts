// The read-only first step of `agent-bridge setup`: everything that would make a later step fail is found
// here, before anything changes: a token that is wrong or lacks the api scope, a project that does not
// exist, a caller below Maintainer, a default branch that is missing or protected against the bot, a given
// bot token that cannot do the job, a model key that is nowhere, a .gitlab-ci.yml setup cannot edit.
import { ACCESS_LEVELS } from "../../shared/gitlab/access-levels.ts";
import { getMemberAccessLevel } from "../../shared/gitlab/api/members.ts";
import { getCurrentUser } from "../../shared/gitlab/api/users.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { getTokenSelf } from "../../shared/gitlab/api/access-tokens.ts";
import { branchExists, findProtectedBranch, type ProtectedBranch } from "../../shared/gitlab/api/branches.ts";
import { getProject } from "../../shared/gitlab/api/projects.ts";
import { readRepositoryFile } from "../../shared/gitlab/api/repository-files.ts";
import { listProjectVariablesWithValues } from "../../shared/gitlab/api/variables.ts";
import { readPages } from "../../shared/gitlab/paginate.ts";
import { planCiFile } from "./ci-config.ts";
import { MODEL_KEY_VARIABLE, SetupStop, type SetupContext, type SetupFacts } from "./context.ts";

const STEP = "preflight";
const BOT_SCOPES = ["api", "write_repository"];

function status(error: unknown): number | undefined {
  return isGitLabApiError(error) && error.kind === "http" ? error.status : undefined;
}

function why(error: unknown): string {
  if (isGitLabApiError(error)) return error.summary;
  return error instanceof Error ? error.message : String(error);
}

export function botLevel(ctx: SetupContext): number {
  return ACCESS_LEVELS[ctx.options.botRole];
}

/** The lowest level a protection list lets in; 0 (No one) when it lets no role in. */
function lowestLevel(levels: ProtectedBranch["push_access_levels"]): number {
  const roles = (levels ?? []).map((l) => l.access_level ?? 0).filter((l) => l > 0);
  return roles.length === 0 ? 0 : Math.min(...roles);
}

/**
 * GitLab runs a pipeline on a protected branch only for a user allowed to push or merge to it
 * (Gitlab::UserAccess#can_update_branch?): the bot's role must reach one of the two.
 */
export function protectionLetsIn(branch: ProtectedBranch | undefined, level: number): boolean {
  if (!branch) return true;
  const allowed = [lowestLevel(branch.push_access_levels), lowestLevel(branch.merge_access_levels)];
  return allowed.some((l) => l > 0 && l <= level);
}

export async function preflight(ctx: SetupContext): Promise<SetupFacts> {
  const { options, gitlab } = ctx;
  const tokenPage = `${options.gitlabUrl}/-/user_settings/personal_access_tokens`;

  let caller;
  try {
    caller = await getCurrentUser(gitlab);
  } catch (error) {
    throw new SetupStop(
      STEP,
      status(error) === 401
        ? "GitLab refused your token (401): it is wrong, expired or revoked"
        : `cannot reach GitLab at ${options.gitlabUrl} (${why(error)})`,
      status(error) === 401
        ? [`Make a personal access token with the api scope (${tokenPage}) and set it as GITLAB_SETUP_TOKEN`]
        : ["Check --gitlab-url (the instance's base URL, e.g. https://gitlab.com) and your network"],
    );
  }
  const self = await getTokenSelf(gitlab).catch(() => undefined);
  if (self && !self.scopes.includes("api")) {
    throw new SetupStop(
      STEP,
      `your token has the scopes ${self.scopes.join(", ")}, not api: setup creates tokens, variables, webhooks and a commit`,
      [`Make a personal access token with the api scope (${tokenPage}) and set it as GITLAB_SETUP_TOKEN`],
    );
  }

  let project;
  try {
    project = await getProject(gitlab, options.project);
  } catch (error) {
    throw new SetupStop(
      STEP,
      status(error) === 404
        ? `project ${options.project} does not exist, or @${caller.username} cannot see it`
        : `cannot read project ${options.project} (${why(error)})`,
      [
        "Check --project: the full path as in the project's URL (group/subgroup/project), or its numeric id",
        `Make sure @${caller.username} is a Maintainer of it`,
      ],
    );
  }
  // An administrator may do what an Owner may, member or not.
  const level = caller.is_admin
    ? ACCESS_LEVELS.owner
    : ((await getMemberAccessLevel(gitlab, project.id, caller.id)) ?? 0);
  if (level < ACCESS_LEVELS.maintainer) {
    throw new SetupStop(
      STEP,
      `@${caller.username} is not a Maintainer of ${project.path_with_namespace}: setup needs Maintainer to create the bot's token, variables and webhook`,
      [
        `Run setup with a Maintainer's token, or ask an Owner to make @${caller.username} a Maintainer (Manage > Members)`,
      ],
    );
  }
  const defaultBranch = project.default_branch ?? "";
  if (defaultBranch === "" || !(await branchExists(gitlab, project.id, defaultBranch))) {
    throw new SetupStop(STEP, `${project.path_with_namespace} has no default branch yet`, [
      "Push a first commit (a README will do), then run setup again",
    ]);
  }

  const protection = await findProtectedBranch(gitlab, project.id, defaultBranch);
  if (!protectionLetsIn(protection, botLevel(ctx))) {
    throw new SetupStop(
      STEP,
      `${defaultBranch} is protected against the bot: GitLab creates pipelines on it only for users allowed to push or merge, and a ${options.botRole} may do neither`,
      [
        `UI: Settings > Repository > Protected branches > ${defaultBranch}: "Allowed to merge" Maintainers (the bot never merges or pushes there: the job refuses to)`,
        ...(options.botRole === "developer" ? ["Or run setup with --bot-role maintainer"] : []),
      ],
    );
  }
  if (options.ciChange === "commit" && protection) {
    const push = lowestLevel(protection.push_access_levels);
    if (push === 0 || push > level) {
      throw new SetupStop(
        STEP,
        `you may not push to ${defaultBranch}, so --commit cannot add the include block`,
        ["Run setup without --commit: it opens a merge request with the change instead"],
      );
    }
  }

  if (options.botToken !== undefined) await checkGivenBot(ctx, project.id);

  const variables = new Map<string, { value: string | null; masked: boolean; protected: boolean }>();
  const listed = await readPages((page) => listProjectVariablesWithValues(gitlab, project.id, page), {
    maxPages: 20,
  });
  for (const v of listed.items) {
    if ((v.environment_scope ?? "*") !== "*") continue;
    variables.set(v.key, {
      value: v.value ?? null,
      masked: v.masked ?? false,
      protected: v.protected ?? false,
    });
  }
  const missingKeys = options.assistants
    .map((a) => MODEL_KEY_VARIABLE[a])
    .filter((key) => options.modelKeys[key] === undefined && !hasKey(variables, key));
  if (missingKeys.length > 0) {
    throw new SetupStop(STEP, `no ${missingKeys.join(" or ")} given, and the project has none`, [
      `Set ${missingKeys.join(" and ")} in the environment (or run setup in a terminal: it asks); never as a flag`,
    ]);
  }

  const configured = project.ci_config_path?.trim() ?? "";
  const ciPath = configured === "" ? ".gitlab-ci.yml" : configured;
  if (ciPath.includes("@") || /^https?:\/\//i.test(ciPath)) {
    throw new SetupStop(STEP, `the project's CI configuration is ${ciPath}, outside this repository`, [
      "Add the include block there yourself (docs/quickstart.md), then run setup again without that step's change",
    ]);
  }
  const ciFile = await readRepositoryFile(gitlab, project.id, ciPath, defaultBranch);
  const dryRun = planCiFile(ciFile, {
    assistants: options.assistants,
    source: options.include,
    eventAsInput: true,
    triggerPayload: options.webhook.kind === "trigger",
  });
  if (!dryRun.ok) {
    throw new SetupStop(STEP, `${ciPath} on ${defaultBranch} cannot be edited: ${dryRun.problem}`, [
      `Fix ${ciPath} (the pipeline editor shows what is wrong), then run setup again`,
    ]);
  }

  return {
    project,
    defaultBranch,
    caller: { id: caller.id, username: caller.username, level },
    ciPath,
    ciFile,
    variables,
  };
}

function hasKey(variables: SetupFacts["variables"], key: string): boolean {
  return variables.has(key) || (key === "CLAUDE_API_KEY" && variables.has("ANTHROPIC_API_KEY"));
}

/** A bot token handed in must work, hold api and write_repository, and be at least the bot's role. */
async function checkGivenBot(ctx: SetupContext, projectId: number): Promise<void> {
  const bot = ctx.clientFor(ctx.options.botToken ?? "");
  const fix = [
    "Use a project access token (Settings > Access tokens) with role Maintainer and scopes api and write_repository, or leave AGENT_BRIDGE_BOT_TOKEN unset and setup creates one",
  ];
  let user;
  try {
    user = await getCurrentUser(bot);
  } catch (error) {
    throw new SetupStop(STEP, `GitLab refused AGENT_BRIDGE_BOT_TOKEN (${why(error)})`, fix);
  }
  const self = await getTokenSelf(bot).catch(() => undefined);
  const missing = BOT_SCOPES.filter((s) => self && !self.scopes.includes(s));
  if (missing.length > 0) {
    throw new SetupStop(STEP, `AGENT_BRIDGE_BOT_TOKEN lacks the scope ${missing.join(" and ")}`, fix);
  }
  const level = (await getMemberAccessLevel(ctx.gitlab, projectId, user.id)) ?? 0;
  if (level < ACCESS_LEVELS.developer) {
    throw new SetupStop(STEP, `@${user.username} (AGENT_BRIDGE_BOT_TOKEN) is not a member of the project`, [
      `Add @${user.username} as a ${ctx.options.botRole} (Manage > Members)`,
      ...fix,
    ]);
  }
}
