// The checks of `agent-bridge doctor`: what a GitLab project needs for the bridge to answer mentions, read
// with the bot's own token, so the answers are what the receiver and the job will meet. First every fact is
// fetched (a failed call is kept as a fact too: a 403 says what the bot may not see), then each check is a
// pure function of those facts. A check never throws; a value of a secret never enters a result: variables
// are parsed without their values and hook URLs lose their query values and credentials.
import { z } from "zod";
import { getMemberAccessLevel } from "../../shared/gitlab/api/members.ts";
import { UserSchema, type User } from "../../shared/gitlab/api/users.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { projectPath, segment } from "../../shared/gitlab/paths.ts";
import { ACCESS_LEVELS } from "../../shared/gitlab/access-levels.ts";
import { ASSISTANTS, type Assistant } from "../../shared/mention/index.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export type CheckId =
  "token" | "project" | "access" | "pipeline-variables" | "ci-variables" | "webhook" | "ci-file";

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  finding: string;
  /**
   * When not ok: what to change, one step an item (a UI path, an API call, a receiver setting). An item of
   * several lines is a snippet to paste (YAML); its first line says where.
   */
  fix: string[];
}

export type DispatchMode = "pipeline" | "trigger";
export type DispatchEventAs = "variables" | "inputs";

export interface DoctorOptions {
  /** Base URL of the instance, no trailing slash; only used to write copy-pastable API calls in fixes. */
  gitlabUrl: string;
  /** Project path (group/sub/project) or numeric id. */
  project: string;
  /** The assistants to check for; undefined: those the CI file includes, or both when it includes neither. */
  assistants: readonly Assistant[] | undefined;
  dispatchMode: DispatchMode;
  dispatchEventAs: DispatchEventAs;
  /** The receiver's PIPELINE_REF, when set; otherwise pipelines run on the default branch. */
  pipelineRef: string | undefined;
  /** Epoch ms, for the token's expiry. */
  now: () => number;
}

export interface DoctorReport {
  gitlabUrl: string;
  project: string;
  projectId: number | null;
  bot: { id: number; username: string } | null;
  assistants: Assistant[];
  /** Where the list of assistants came from. */
  assistantsFrom: "option" | "ci-file" | "default";
  dispatch: { mode: DispatchMode; eventAs: DispatchEventAs };
  checks: CheckResult[];
}

// ---------------------------------------------------------------------------------------------------------
// GitLab's answers, only the fields the checks read.

const CurrentUserSchema = UserSchema.extend({ is_admin: z.boolean().nullish() });
type CurrentUser = z.infer<typeof CurrentUserSchema>;

/** GET /personal_access_tokens/self: also answers for project and group access tokens. */
const TokenSelfSchema = z.object({
  scopes: z.array(z.string()),
  expires_at: z.string().nullish(),
});
type TokenSelf = z.infer<typeof TokenSelfSchema>;

const ProjectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string(),
  default_branch: z.string().nullish(),
  ci_config_path: z.string().nullish(),
  // Both are shown to Maintainers only (GitLab's API::Entities::Project, admin_project): absent otherwise.
  ci_pipeline_variables_minimum_override_role: z.string().nullish(),
  restrict_user_defined_variables: z.boolean().nullish(),
  namespace: z.object({ kind: z.string().nullish(), full_path: z.string() }).nullish(),
});
type Project = z.infer<typeof ProjectSchema>;

// No `value` field: zod drops it, so a variable's value never outlives the HTTP answer.
const VariableSchema = z.object({
  key: z.string(),
  masked: z.boolean().nullish(),
  variable_type: z.string().nullish(),
  environment_scope: z.string().nullish(),
});
type Variable = z.infer<typeof VariableSchema>;

const HookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  note_events: z.boolean().nullish(),
  confidential_note_events: z.boolean().nullish(),
  alert_status: z.string().nullish(),
  disabled_until: z.string().nullish(),
});
type Hook = z.infer<typeof HookSchema>;

// The JSON form of the file (base64) rather than /raw: the client reads JSON answers only, and both need the
// same Reporter access.
const RepositoryFileSchema = z.object({ content: z.string(), encoding: z.string().nullish() });

type Fetched<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function fetched<T>(promise: Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

const PAGE = 100;
// A project with more than this many variables or hooks is beyond what a doctor needs to read.
const MAX_PAGES = 10;

async function allPages<T>(gl: GitLabRequester, path: string, schema: z.ZodType<T>): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const batch = await gl.request("GET", path, {
      query: { per_page: PAGE, page },
      schema: z.array(schema),
    });
    items.push(...batch);
    if (batch.length < PAGE) break;
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------------
// Roles and small helpers.

const DEVELOPER = ACCESS_LEVELS.developer;

export function roleName(level: number): string {
  const exact = Object.entries(ACCESS_LEVELS).find(([, value]) => value === level);
  return exact ? `${exact[0][0]?.toUpperCase()}${exact[0].slice(1)} (${level})` : `access level ${level}`;
}

/** The least access level ci_pipeline_variables_minimum_override_role lets set variables; null: no one. */
function overrideRoleLevel(role: string): number | null | undefined {
  switch (role) {
    case "no_one_allowed":
      return null;
    case "developer":
      return 30;
    case "maintainer":
      return 40;
    case "owner":
      return 50;
    default:
      return undefined;
  }
}

function statusOf(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.includes("fail")) return "fail";
  if (statuses.includes("warn")) return "warn";
  return "ok";
}

function httpStatus(error: unknown): number | undefined {
  return isGitLabApiError(error) && error.kind === "http" ? error.status : undefined;
}

function describe(error: unknown): string {
  if (isGitLabApiError(error)) return error.summary;
  return error instanceof Error ? error.message : String(error);
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** A shell-ready API call with a placeholder where a token goes: never a real one. */
function curl(method: string, url: string, form: readonly string[] = []): string {
  const fields = form.map((field) => ` --form "${field}"`).join("");
  return `curl --request ${method} --header "PRIVATE-TOKEN: <maintainer token>"${fields} "${url}"`;
}

/**
 * A hook URL fit to print: credentials and query values replaced, since a webhook pointed straight at the
 * trigger API carries its trigger token in the query.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "(an unparsable URL)";
  }
  if (url.username !== "" || url.password !== "") {
    url.username = "REDACTED";
    url.password = "";
  }
  const keys = [...new Set(url.searchParams.keys())];
  const query = keys.map((key) => `${encodeURIComponent(key)}=REDACTED`).join("&");
  url.search = "";
  url.hash = "";
  return `${url.toString()}${query === "" ? "" : `?${query}`}`;
}

function mentionsComponent(ci: string, assistant: Assistant): boolean {
  return /agent-bridge/i.test(ci) && new RegExp(`\\b${assistant}\\b`, "i").test(ci);
}

// Claude through Bedrock or Vertex AI gets cloud credentials from an ID token and needs no Anthropic key.
function claudeUsesCloud(ci: string | undefined): boolean {
  return ci !== undefined && /\bprovider:\s*["']?(bedrock|vertex)\b/i.test(ci);
}

function includeLines(assistant: Assistant, withInput: boolean): string[] {
  const line = `  - component: $CI_SERVER_FQDN/<path of the agent-bridge project>/${assistant}@<version>`;
  return withInput
    ? [line, "    inputs:", "      agent_bridge_event: $[[ inputs.agent_bridge_event ]]"]
    : [line];
}

// ---------------------------------------------------------------------------------------------------------
// The run.

interface CiFile {
  path: string;
  ref: string;
  /** The file's text; undefined when it could not be read (see error) or is configured elsewhere. */
  content?: string;
  error?: unknown;
  /** ci_config_path points outside this repository: nothing to read here. */
  external?: boolean;
}

interface VariableSource {
  /** The group's full path; undefined for the project itself. */
  group?: string;
  variables: Variable[];
}

interface VariableFacts {
  project: Fetched<Variable[]>;
  groups: VariableSource[];
  /** Groups whose variables could not be read (the bot is not their Maintainer). */
  unreadableGroups: string[];
}

export async function runChecks(gl: GitLabRequester, options: DoctorOptions): Promise<DoctorReport> {
  const report: DoctorReport = {
    gitlabUrl: options.gitlabUrl,
    project: options.project,
    projectId: null,
    bot: null,
    assistants: [...(options.assistants ?? ASSISTANTS)],
    assistantsFrom: options.assistants ? "option" : "default",
    dispatch: { mode: options.dispatchMode, eventAs: options.dispatchEventAs },
    checks: [],
  };

  const user = await fetched(gl.request("GET", "/user", { schema: CurrentUserSchema }));
  if (!user.ok) {
    report.checks.push(tokenFailure(user.error, options));
    return report;
  }
  report.bot = { id: user.value.id, username: user.value.username };
  // Only for the scopes and expiry: an OAuth or job token has no such record, and that is no problem.
  const token = await fetched(gl.request("GET", "/personal_access_tokens/self", { schema: TokenSelfSchema }));
  report.checks.push(tokenCheck(user.value, token.ok ? token.value : undefined, options));

  const project = await fetched(gl.request("GET", projectPath(options.project), { schema: ProjectSchema }));
  if (!project.ok) {
    report.checks.push(projectFailure(project.error, user.value, options));
    return report;
  }
  const p = project.value;
  report.projectId = p.id;
  report.project = p.path_with_namespace;
  const ref = options.pipelineRef ?? p.default_branch ?? undefined;

  const [access, variables, hooks, ciFile] = await Promise.all([
    fetched(getMemberAccessLevel(gl, p.id, user.value.id)),
    fetchVariables(gl, p),
    fetched(allPages(gl, `${projectPath(p.id)}/hooks`, HookSchema)),
    fetchCiFile(gl, p, ref),
  ]);

  if (!options.assistants && ciFile?.content !== undefined) {
    const content = ciFile.content;
    const included = ASSISTANTS.filter((a) => mentionsComponent(content, a));
    if (included.length > 0) {
      report.assistants = included;
      report.assistantsFrom = "ci-file";
    }
  }

  const ctx: Context = { options, user: user.value, project: p, ref, assistants: report.assistants };
  report.checks.push(
    projectCheck(ctx),
    accessCheck(ctx, access),
    pipelineVariablesCheck(ctx, access),
    ciVariablesCheck(ctx, variables, access, ciFile?.content),
    webhookCheck(ctx, hooks, access),
    ciFileCheck(ctx, ciFile, access),
  );
  return report;
}

async function fetchVariables(gl: GitLabRequester, project: Project): Promise<VariableFacts> {
  const facts: VariableFacts = {
    project: await fetched(allPages(gl, `${projectPath(project.id)}/variables`, VariableSchema)),
    groups: [],
    unreadableGroups: [],
  };
  // Variables set on the project's groups reach its jobs too (the quickstart suggests it for several
  // projects); each ancestor group is asked, nearest first.
  const namespace = project.namespace;
  if (namespace?.kind !== "group") return facts;
  const parts = namespace.full_path.split("/");
  const groups = parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
  const answers = await Promise.all(
    groups.map((group) => fetched(allPages(gl, `/groups/${segment(group)}/variables`, VariableSchema))),
  );
  answers.forEach((answer, i) => {
    const group = groups[i] ?? "";
    if (answer.ok) facts.groups.push({ group, variables: answer.value });
    else facts.unreadableGroups.push(group);
  });
  return facts;
}

async function fetchCiFile(
  gl: GitLabRequester,
  project: Project,
  ref: string | undefined,
): Promise<CiFile | undefined> {
  if (ref === undefined) return undefined;
  const configured = project.ci_config_path?.trim() ?? "";
  const path = configured === "" ? ".gitlab-ci.yml" : configured;
  // "file.yml@group/project" or a URL: the configuration lives elsewhere.
  if (path.includes("@") || /^https?:\/\//i.test(path)) return { path, ref, external: true };
  const answer = await fetched(
    gl.request("GET", `${projectPath(project.id)}/repository/files/${segment(path)}`, {
      query: { ref },
      schema: RepositoryFileSchema,
    }),
  );
  if (!answer.ok) return { path, ref, error: answer.error };
  const { content, encoding } = answer.value;
  return {
    path,
    ref,
    content: encoding === "base64" ? Buffer.from(content, "base64").toString("utf8") : content,
  };
}

interface Context {
  options: DoctorOptions;
  user: CurrentUser;
  project: Project;
  ref: string | undefined;
  assistants: readonly Assistant[];
}

function projectApi(ctx: Context, rest = ""): string {
  return `${ctx.options.gitlabUrl}/api/v4/projects/${ctx.project.id}${rest}`;
}

/** The bot's effective level, or undefined when it could not be read. An admin can do what an Owner can. */
function botLevel(ctx: Context, access: Fetched<number | null>): number | undefined {
  if (!access.ok) return ctx.user.is_admin ? 50 : undefined;
  return access.value ?? (ctx.user.is_admin ? 50 : 0);
}

// ---------------------------------------------------------------------------------------------------------
// token

const NEW_TOKEN_FIX = [
  "UI: make the bot's token again as in docs/quickstart.md step 1 (project: Settings > Access tokens > Add new token; role Developer; scopes api and write_repository)",
  "Then set it as GITLAB_TOKEN for the webhook receiver and in the project's CI/CD variables (Settings > CI/CD > Variables)",
];

function tokenFailure(error: unknown, options: DoctorOptions): CheckResult {
  const base = { id: "token", title: "token", status: "fail" } as const;
  const status = httpStatus(error);
  if (status === 401) {
    return {
      ...base,
      finding: "GitLab refused GITLAB_TOKEN (401): it is wrong, expired or revoked",
      fix: NEW_TOKEN_FIX,
    };
  }
  if (status === 403) {
    return {
      ...base,
      finding: `GET /user answered 403 (${describe(error)}): the token lacks the api scope, or its user is blocked`,
      fix: NEW_TOKEN_FIX,
    };
  }
  if (isGitLabApiError(error) && (error.kind === "network" || error.kind === "timeout")) {
    return {
      ...base,
      finding: `could not reach GitLab at ${options.gitlabUrl}: ${error.message}`,
      fix: [
        "Check GITLAB_URL (or --gitlab-url): the instance's base URL, e.g. https://gitlab.example.com, without /api/v4",
        "Check that this machine can reach it (proxy, VPN, firewall)",
      ],
    };
  }
  return {
    ...base,
    finding: `GET /user did not answer as GitLab does (${describe(error)})`,
    fix: [
      `Check GITLAB_URL (or --gitlab-url): ${options.gitlabUrl} must be the GitLab instance's base URL, without /api/v4`,
    ],
  };
}

const EXPIRY_WARNING_DAYS = 14;

function tokenCheck(user: User, token: TokenSelf | undefined, options: DoctorOptions): CheckResult {
  const who = `authenticated as @${user.username} (id ${user.id}${user.bot ? ", a bot user" : ""})`;
  const base = { id: "token", title: "token" } as const;
  if (!token) return { ...base, status: "ok", finding: who, fix: [] };
  const scopes = token.scopes.length > 0 ? token.scopes.join(", ") : "none";
  if (!token.scopes.includes("api")) {
    return {
      ...base,
      status: "fail",
      finding: `${who}, but the token's scopes are ${scopes}: the bridge needs api (notes, awards, pipelines)`,
      fix: [
        "A token's scopes cannot be changed: make a new one with scopes api and write_repository",
        ...NEW_TOKEN_FIX,
      ],
    };
  }
  const expires = token.expires_at ? Date.parse(token.expires_at) : Number.NaN;
  if (!Number.isNaN(expires)) {
    const days = Math.floor((expires - options.now()) / 86_400_000);
    if (days <= EXPIRY_WARNING_DAYS) {
      return {
        ...base,
        status: "warn",
        finding: `${who}, scopes ${scopes}; the token expires on ${token.expires_at} (in ${Math.max(days, 0)} days)`,
        fix: [
          "UI: Settings > Access tokens: rotate the token (or make a new one), before it expires",
          `API: curl --request POST --header "PRIVATE-TOKEN: <the bot's current token>" "${options.gitlabUrl}/api/v4/personal_access_tokens/self/rotate"`,
          "Then set the new token as GITLAB_TOKEN for the webhook receiver and in the CI/CD variables",
        ],
      };
    }
  }
  const until = token.expires_at ? `, expires ${token.expires_at}` : "";
  return { ...base, status: "ok", finding: `${who}, scopes ${scopes}${until}`, fix: [] };
}

// ---------------------------------------------------------------------------------------------------------
// project

function projectFailure(error: unknown, user: User, options: DoctorOptions): CheckResult {
  const base = { id: "project", title: "project", status: "fail" } as const;
  if (httpStatus(error) === 404) {
    return {
      ...base,
      finding: `@${user.username} sees no project "${options.project}": the path is wrong, or the bot is not a member of this private or internal project`,
      fix: [
        "Check --project: the path as in the project's URL (group/subgroup/project), or its numeric id",
        `UI: the project's Manage > Members > Invite members: @${user.username}, role Developer`,
        `API: ${curl("POST", `${options.gitlabUrl}/api/v4${projectPath(options.project)}/members`, [`user_id=${user.id}`, "access_level=30"])}`,
      ],
    };
  }
  return {
    ...base,
    finding: `could not read the project: ${describe(error)}`,
    fix: ["Run the doctor again; if it persists, check that GitLab is healthy and GITLAB_URL is right"],
  };
}

function projectCheck(ctx: Context): CheckResult {
  const base = { id: "project", title: "project" } as const;
  const named = `${ctx.project.path_with_namespace} (id ${ctx.project.id})`;
  if (ctx.ref === undefined) {
    return {
      ...base,
      status: "fail",
      finding: `${named} has an empty repository: no default branch for the pipelines to run on`,
      fix: [
        "Push a first commit to the project (with the .gitlab-ci.yml that includes the components)",
        "Or set PIPELINE_REF on the webhook receiver to an existing branch",
      ],
    };
  }
  const on = ctx.options.pipelineRef === undefined ? "default branch" : "PIPELINE_REF";
  return { ...base, status: "ok", finding: `${named}; pipelines run on ${ctx.ref} (${on})`, fix: [] };
}

// ---------------------------------------------------------------------------------------------------------
// access

function accessCheck(ctx: Context, access: Fetched<number | null>): CheckResult {
  const base = { id: "access", title: "bot's access" } as const;
  const bot = `@${ctx.user.username}`;
  const path = ctx.project.path_with_namespace;
  const needs =
    "needs at least Developer (30) to write notes, award emoji, create pipelines and push branches";
  if (!access.ok) {
    return {
      ...base,
      status: "warn",
      finding: `could not read ${bot}'s membership: ${describe(access.error)}`,
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

// ---------------------------------------------------------------------------------------------------------
// pipeline variables versus the dispatch mode

function pipelineVariablesFixes(ctx: Context): string[] {
  return [
    "UI: Settings > CI/CD > Variables > Minimum role to use pipeline variables: Developer (a Maintainer can)",
    `API: ${curl("PUT", projectApi(ctx, "?ci_pipeline_variables_minimum_override_role=developer"))}`,
    'Or pass the event as a pipeline input, which this setting does not block: set DISPATCH_EVENT_AS=inputs on the webhook receiver and declare `spec: inputs: agent_bridge_event: default: ""` at the top of .gitlab-ci.yml, handing it to each component (docs/quickstart.md, "The pipeline-variables pitfall")',
  ];
}

function pipelineVariablesCheck(ctx: Context, access: Fetched<number | null>): CheckResult {
  const base = { id: "pipeline-variables", title: "pipeline variables" } as const;
  const { dispatchMode: mode, dispatchEventAs: eventAs } = ctx.options;
  const setting = ctx.project.ci_pipeline_variables_minimum_override_role ?? undefined;
  // The older switch: false lets anyone who may run the pipeline set variables.
  const role = ctx.project.restrict_user_defined_variables === false ? "developer" : setting;
  const shown = role === undefined ? "" : ` (ci_pipeline_variables_minimum_override_role is ${role})`;

  if (eventAs === "inputs") {
    return {
      ...base,
      status: "ok",
      finding: `the receiver passes the event as the agent_bridge_event input (DISPATCH_EVENT_AS=inputs), which this setting does not block${shown}`,
      fix: [],
    };
  }
  const refused = `every mention would fail with "Insufficient permissions to set pipeline variables"`;
  if (role === undefined) {
    const level = botLevel(ctx, access);
    return {
      ...base,
      status: "warn",
      finding: `cannot read ci_pipeline_variables_minimum_override_role (GitLab shows it to Maintainers; @${ctx.user.username} is ${level === undefined ? "of unknown role" : roleName(level)}); unless it lets the bot set variables, ${refused}`,
      fix: [
        "A Maintainer checks Settings > CI/CD > Variables > Minimum role to use pipeline variables (Developer works)",
        ...pipelineVariablesFixes(ctx),
      ],
    };
  }
  const needed = overrideRoleLevel(role);
  if (needed === undefined) {
    return {
      ...base,
      status: "warn",
      finding: `ci_pipeline_variables_minimum_override_role is "${role}", a value this doctor does not know`,
      fix: pipelineVariablesFixes(ctx),
    };
  }
  if (needed === null) {
    return {
      ...base,
      status: "fail",
      finding: `ci_pipeline_variables_minimum_override_role is no_one_allowed and the receiver passes the event as variables (DISPATCH_EVENT_AS=variables): ${refused}`,
      fix: pipelineVariablesFixes(ctx),
    };
  }
  if (mode === "trigger") {
    // The trigger token's owner creates the pipelines; the doctor does not know who that is.
    return needed <= DEVELOPER
      ? {
          ...base,
          status: "ok",
          finding: `pipeline variables need at least ${role}; the trigger token's owner (DISPATCH_MODE=trigger) has that if it could make the token`,
          fix: [],
        }
      : {
          ...base,
          status: "warn",
          finding: `pipeline variables need at least ${role}: the trigger token's owner (DISPATCH_MODE=trigger) must have that role, or ${refused}`,
          fix: pipelineVariablesFixes(ctx),
        };
  }
  const level = botLevel(ctx, access);
  if (level !== undefined && level >= needed) {
    return {
      ...base,
      status: "ok",
      finding: `pipeline variables need at least ${role}; @${ctx.user.username} is ${roleName(level)}, so the receiver may pass the event as variables`,
      fix: [],
    };
  }
  const who = level === undefined ? "of unknown role" : roleName(level);
  return {
    ...base,
    status: level === undefined ? "warn" : "fail",
    finding: `pipeline variables need at least ${role} and the receiver creates pipelines as @${ctx.user.username}, ${who}: ${refused}`,
    // At "developer" the bot's own role is what is short, and the access check says how to raise it.
    fix:
      needed === DEVELOPER
        ? [`Raise @${ctx.user.username} to Developer (see "bot's access")`]
        : pipelineVariablesFixes(ctx),
  };
}

// ---------------------------------------------------------------------------------------------------------
// CI/CD variables

interface Requirement {
  keys: readonly string[];
  what: string;
  valueHint: string;
}

function requirements(ctx: Context, ci: string | undefined): Requirement[] {
  const reqs: Requirement[] = [
    { keys: ["GITLAB_TOKEN"], what: "the bot's token", valueHint: "<the bot's token>" },
  ];
  if (ctx.assistants.includes("claude") && !claudeUsesCloud(ci)) {
    reqs.push({
      keys: ["CLAUDE_API_KEY", "ANTHROPIC_API_KEY"],
      what: "Claude's Anthropic API key",
      valueHint: "<Anthropic API key>",
    });
  }
  if (ctx.assistants.includes("codex")) {
    reqs.push({ keys: ["OPENAI_API_KEY"], what: "Codex's OpenAI API key", valueHint: "<OpenAI API key>" });
  }
  return reqs;
}

const keyLabel = (req: Requirement): string => req.keys.join(" or ");

function addVariableFixes(ctx: Context, req: Requirement): string[] {
  const key = req.keys[0] ?? "";
  return [
    `UI: Settings > CI/CD > Variables > Add variable: key ${key}, value ${req.valueHint}, Visibility "Masked" (or "Masked and hidden"), "Protect variable" ticked`,
    `API: ${curl("POST", projectApi(ctx, "/variables"), [`key=${key}`, `value=${req.valueHint}`, "masked=true", "protected=true"])}`,
  ];
}

function ciVariablesCheck(
  ctx: Context,
  facts: VariableFacts,
  access: Fetched<number | null>,
  ci: string | undefined,
): CheckResult {
  const base = { id: "ci-variables", title: "CI/CD variables" } as const;
  const reqs = requirements(ctx, ci);
  const cloud =
    ctx.assistants.includes("claude") && claudeUsesCloud(ci)
      ? " (Claude uses Bedrock or Vertex AI: no Anthropic key needed)"
      : "";

  if (!facts.project.ok) {
    const level = botLevel(ctx, access);
    const why =
      httpStatus(facts.project.error) === 403
        ? `GitLab shows them to Maintainers; @${ctx.user.username} is ${level === undefined ? "of unknown role" : roleName(level)}`
        : describe(facts.project.error);
    return {
      ...base,
      status: "warn",
      finding: `cannot list the project's CI/CD variables (${why}); these must exist, masked: ${reqs.map((r) => `${keyLabel(r)} (${r.what})`).join(", ")}${cloud}`,
      fix: reqs.flatMap((req) => addVariableFixes(ctx, req)),
    };
  }

  const sources: VariableSource[] = [{ variables: facts.project.value }, ...facts.groups];
  const statuses: CheckStatus[] = [];
  const findings: string[] = [];
  const fixes: string[] = [];
  for (const req of reqs) {
    const label = keyLabel(req);
    const found = sources.flatMap((source) =>
      source.variables
        .filter((v) => req.keys.includes(v.key))
        .map((variable) => ({ variable, group: source.group })),
    );
    // A job without an environment sees only variables of scope "*"; a File variable holds a path, not the value.
    const usable = found.filter(
      ({ variable }) =>
        (variable.environment_scope ?? "*") === "*" && (variable.variable_type ?? "env_var") === "env_var",
    );
    const first = usable[0] ?? found[0];
    if (!first) {
      const unsure = facts.unreadableGroups.length > 0;
      statuses.push(unsure ? "warn" : "fail");
      findings.push(
        unsure
          ? `${label} is not a project variable (could not read the variables of group ${list(facts.unreadableGroups)}, where it may be)`
          : `${label} is missing`,
      );
      fixes.push(...addVariableFixes(ctx, req));
      continue;
    }
    const { variable, group } = first;
    const at = group === undefined ? "" : ` (on group ${group})`;
    const edit = `${group === undefined ? "" : `group ${group}: `}Settings > CI/CD > Variables > ${variable.key} > Edit`;
    const owner =
      group === undefined ? projectApi(ctx) : `${ctx.options.gitlabUrl}/api/v4/groups/${segment(group)}`;
    const put = (form: string) =>
      `API: ${curl("PUT", `${owner}/variables/${segment(variable.key)}`, [form])}`;
    if (usable.length === 0) {
      statuses.push("fail");
      if ((variable.variable_type ?? "env_var") !== "env_var") {
        findings.push(
          `${variable.key}${at} is a File variable: the job would get a file's path, not the value`,
        );
        fixes.push(`UI: ${edit}: Type "Variable"`, put("variable_type=env_var"));
      } else {
        findings.push(
          `${variable.key}${at} is only set for environment "${variable.environment_scope}": the agent's job has no environment and does not see it`,
        );
        fixes.push(`UI: ${edit}: Environments "All (default)"`, put("environment_scope=*"));
      }
      continue;
    }
    if (!variable.masked) {
      statuses.push("warn");
      findings.push(`${variable.key}${at} is not masked: its value would show in job logs`);
      fixes.push(`UI: ${edit}: Visibility "Masked" (or "Masked and hidden")`, put("masked=true"));
      continue;
    }
    statuses.push("ok");
    findings.push(`${variable.key}${at} masked`);
  }
  const status = statusOf(statuses);
  return { ...base, status, finding: `${findings.join("; ")}${cloud}`, fix: status === "ok" ? [] : fixes };
}

// ---------------------------------------------------------------------------------------------------------
// webhook

function webhookFixes(ctx: Context): string[] {
  return [
    'UI: Settings > Webhooks > Add new webhook: URL https://<receiver>/webhook, Secret token: the receiver\'s WEBHOOK_SECRET, Trigger: "Comments" and "Confidential comments" only',
    `API: ${curl("POST", projectApi(ctx, "/hooks"), ["url=https://<receiver>/webhook", "token=<WEBHOOK_SECRET>", "note_events=true", "confidential_note_events=true", "push_events=false"])}`,
  ];
}

// GitLab turns a hook off after failed deliveries: for a while, then for good.
function isDisabled(hook: Hook, now: number): boolean {
  if (hook.alert_status === "disabled" || hook.alert_status === "temporarily_disabled") return true;
  return hook.disabled_until ? Date.parse(hook.disabled_until) > now : false;
}

function webhookCheck(ctx: Context, hooks: Fetched<Hook[]>, access: Fetched<number | null>): CheckResult {
  const base = { id: "webhook", title: "webhook" } as const;
  if (!hooks.ok) {
    const level = botLevel(ctx, access);
    const why =
      httpStatus(hooks.error) === 403
        ? `GitLab shows them to Maintainers; @${ctx.user.username} is ${level === undefined ? "of unknown role" : roleName(level)}`
        : describe(hooks.error);
    return {
      ...base,
      status: "warn",
      finding: `cannot list the project's webhooks (${why}); one must send "Comments" and "Confidential comments" to the receiver (or a group webhook must)`,
      fix: webhookFixes(ctx),
    };
  }
  const named = (hook: Hook) => redactUrl(hook.url);
  const comments = hooks.value.filter((h) => h.note_events);
  const now = ctx.options.now();
  const working = comments.filter((h) => !isDisabled(h, now));
  const complete = working.filter((h) => h.confidential_note_events);
  if (complete.length > 0) {
    return {
      ...base,
      status: "ok",
      finding: `comments and confidential comments go to ${list(complete.map(named))}`,
      fix: [],
    };
  }
  const hook = working[0];
  if (hook) {
    return {
      ...base,
      status: "warn",
      finding: `${list(working.map(named))} gets comments but not confidential comments: mentions on confidential issues and internal notes go unanswered`,
      fix: [
        `UI: Settings > Webhooks > Edit (${named(hook)}): tick "Confidential comments"`,
        `API: ${curl("PUT", projectApi(ctx, `/hooks/${hook.id}`), ["url=<the hook's URL>", "confidential_note_events=true"])}`,
      ],
    };
  }
  if (comments.length > 0) {
    return {
      ...base,
      status: "warn",
      finding: `GitLab disabled the comment webhook ${list(comments.map(named))} after failed deliveries`,
      fix: [
        "UI: Settings > Webhooks > Edit > Recent events: see why the deliveries failed (receiver down, wrong secret), fix it, then Test > Comments to enable it again",
      ],
    };
  }
  const others =
    hooks.value.length === 0
      ? "the project has no webhooks"
      : `its webhooks (${list(hooks.value.map(named))}) do not send comments`;
  return {
    ...base,
    status: "warn",
    finding: `no project webhook sends comments: ${others} (a group webhook, which this check cannot see, may cover it)`,
    fix: webhookFixes(ctx),
  };
}

// ---------------------------------------------------------------------------------------------------------
// the CI file

function includeSnippet(assistants: readonly Assistant[], file: CiFile, withInput: boolean): string {
  return [
    `Add to ${file.path} on ${file.ref} (docs/quickstart.md step 3):`,
    "include:",
    ...assistants.flatMap((a) => includeLines(a, withInput)),
  ].join("\n");
}

function inputSnippet(assistants: readonly Assistant[], file: CiFile): string {
  return [
    `Declare the input at the top of ${file.path} and hand it to each component ("The pipeline-variables pitfall" in docs/quickstart.md):`,
    "spec:",
    "  inputs:",
    "    agent_bridge_event:",
    '      default: ""',
    "---",
    "include:",
    ...assistants.flatMap((a) => includeLines(a, true)),
  ].join("\n");
}

function ciFileCheck(ctx: Context, file: CiFile | undefined, access: Fetched<number | null>): CheckResult {
  const base = { id: "ci-file", title: "CI configuration" } as const;
  const names = list([...ctx.assistants]);
  const inputs = ctx.options.dispatchEventAs === "inputs";
  if (!file) {
    return {
      ...base,
      status: "warn",
      finding: "no branch to read .gitlab-ci.yml from (see project)",
      fix: ["Push a first commit with .gitlab-ci.yml including the components"],
    };
  }
  const where = `${file.path} on ${file.ref}`;
  if (file.external) {
    return {
      ...base,
      status: "warn",
      finding: `the CI configuration is ${file.path} (Settings > CI/CD > General pipelines > CI/CD configuration file), outside this repository: not checked`,
      fix: [`Make sure it includes the ${names} component${ctx.assistants.length > 1 ? "s" : ""}`],
    };
  }
  if (file.content === undefined) {
    const status = httpStatus(file.error);
    if (status === 404) {
      return {
        ...base,
        status: "warn",
        finding: `there is no ${where}: the bridge's pipelines would have no agent job`,
        fix: [inputs ? inputSnippet(ctx.assistants, file) : includeSnippet(ctx.assistants, file, false)],
      };
    }
    const level = botLevel(ctx, access);
    const why =
      status === 403
        ? `reading files needs Reporter; @${ctx.user.username} is ${level === undefined ? "of unknown role" : roleName(level)}`
        : describe(file.error);
    return {
      ...base,
      status: "warn",
      finding: `cannot read ${where} (${why}); it must include the ${names} component${ctx.assistants.length > 1 ? "s" : ""}`,
      fix: [inputs ? inputSnippet(ctx.assistants, file) : includeSnippet(ctx.assistants, file, false)],
    };
  }
  const content = file.content;
  const missing = ctx.assistants.filter((a) => !mentionsComponent(content, a));
  const needsInput = inputs && !/\bagent_bridge_event\b/.test(content);
  if (needsInput) {
    return {
      ...base,
      status: "fail",
      finding: `${where} does not declare the agent_bridge_event input, and the receiver passes the event as that input (DISPATCH_EVENT_AS=inputs): GitLab would reject every pipeline${missing.length > 0 ? `; nor does it include the ${list(missing)} component` : ""}`,
      fix: [inputSnippet(ctx.assistants, file)],
    };
  }
  if (missing.length > 0) {
    return {
      ...base,
      status: "warn",
      finding: `${where} mentions no agent-bridge component for ${list(missing)}: mentions of ${missing.map((a) => `@${a}`).join(" or ")} would get a pipeline without the job`,
      fix: [includeSnippet(missing, file, inputs)],
    };
  }
  const input = inputs ? " and declares the agent_bridge_event input" : "";
  return {
    ...base,
    status: "ok",
    finding: `${where} includes the ${names} component${ctx.assistants.length > 1 ? "s" : ""}${input}`,
    fix: [],
  };
}
