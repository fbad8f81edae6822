// The CI job's settings (`agent-bridge run` and `finalize`), parsed once at the edge from an environment-like
// record: GitLab's predefined variables, the bridge's bot token, the assistant's provider and key, and the
// options the CI template passes. A bad setting ends the run with a list of every problem, each as
// "VARIABLE: what it expects"; a value is never repeated (several are secrets).
// The settings only one assistant needs (its key, model, extra arguments) are checked only when that
// assistant runs, so a Claude job never fails over a Codex variable.
//
//   const gitlab = loadJobGitLabSettings(process.env);          // finalize, and before the event is known
//   const settings = loadJobSettings(process.env, "claude");    // the run, once the event names the assistant
import { z } from "zod";
import type { Assistant } from "../mention/index.ts";
import { ASSISTANTS, validateMentionOptions } from "../mention/index.ts";
import {
  BRANCH_NAME_PLACEHOLDERS,
  branchNameTemplateProblem,
  DEFAULT_BRANCH_NAME_TEMPLATE,
} from "./branch-name-template.ts";
import {
  CODEX_REASONING_EFFORTS,
  CODEX_SANDBOX_MODES,
  CodexOptionsSchema,
  codexOptionsFrom,
  type CodexOptions,
} from "./codex-options.ts";
import { clean, integer, list, oneOf, problem, raw, required, type Env } from "./env-values.ts";
import { AUTHOR_POLICY_DOC, policyFields } from "./policy-fields.ts";
import { SettingsError, type SettingsProblem } from "./settings-error.ts";
import { signingKeyField } from "./signing-key.ts";
import { splitArgs, SplitArgsError } from "./split-args.ts";
import type { SettingDoc } from "./webhook-settings.ts";

/** Claude runs on anthropic (the API), bedrock or vertex; Codex on openai. */
export const AGENT_PROVIDERS = ["anthropic", "bedrock", "vertex", "openai"] as const;
export type AgentProvider = (typeof AGENT_PROVIDERS)[number];

export const PROVIDERS_BY_ASSISTANT: Readonly<Record<Assistant, readonly AgentProvider[]>> = {
  claude: ["anthropic", "bedrock", "vertex"],
  codex: ["openai"],
};

/**
 * auto: amend the bot's own unreviewed last commit on the bot's own branch, else add a commit
 * (job/publish/amend-policy.ts); commit and amend force either.
 */
export const PUSH_MODES = ["auto", "commit", "amend"] as const;
export type PushMode = (typeof PUSH_MODES)[number];

export interface ClaudeOptions {
  /** CLAUDE_CODE_OAUTH_TOKEN (a Claude subscription), for provider anthropic when no API key is set. */
  oauthToken: string | undefined;
  /** CLAUDE_SETTINGS: Claude Code settings as JSON text, or a file path read from the base branch. */
  settings: string | undefined;
  /** CLAUDE_MCP_CONFIG: MCP servers ({"mcpServers": ...}) as JSON text, or a file path from the base branch. */
  mcpConfig: string | undefined;
}

/** What the job needs to reach GitLab and to name itself: enough for finalize and for error notes. */
export interface JobGitLabSettings {
  /** CI_SERVER_URL without a trailing slash, e.g. https://gitlab.example.com */
  serverUrl: string;
  /** CI_API_V4_URL, e.g. https://gitlab.example.com/api/v4 */
  apiUrl: string;
  /** What the GitLab client takes: the API URL without /api/v4. */
  clientBaseUrl: string;
  projectId: number;
  projectPath: string;
  projectDir: string;
  defaultBranch: string;
  jobId: number;
  jobUrl: string;
  pipelineUrl: string | undefined;
  /** CI_JOB_STATUS: set by GitLab for after_script (success, failed, canceled). */
  jobStatus: string | undefined;
  /** CI_JOB_TIMEOUT in seconds, when GitLab says. */
  jobTimeoutSeconds: number | undefined;
  /** CI_JOB_STARTED_AT as epoch ms, when GitLab says. */
  jobStartedAt: number | undefined;
  /** The bridge's bot token (GITLAB_TOKEN). */
  token: string;
}

export interface JobSettings {
  gitlab: JobGitLabSettings;
  assistant: Assistant;
  provider: AgentProvider;
  /** CLAUDE_API_KEY (or ANTHROPIC_API_KEY) for anthropic, OPENAI_API_KEY for openai; none for bedrock/vertex. */
  apiKey: string | undefined;
  /** ANTHROPIC_BASE_URL or OPENAI_BASE_URL, for gateways and the scripted test models. */
  baseUrl: string | undefined;
  model: string | undefined;
  maxTurns: number | undefined;
  /** The run's own deadline, below the job's timeout. */
  timeoutMs: number;
  allowedTools: string[] | undefined;
  disallowedTools: string[] | undefined;
  /** CLAUDE_ARGS or CODEX_ARGS, split like a shell would, never run through one. */
  extraArgs: string[];
  branchPrefix: string;
  /** AGENT_BRANCH_NAME_TEMPLATE; undefined for the default `{prefix}{iid}-{slug}`. */
  branchNameTemplate: string | undefined;
  baseBranch: string;
  pushMode: PushMode;
  customInstructions: string | undefined;
  contextBudgetChars: number;
  /**
   * AGENT_INCLUDE_COMMENTS_BY / AGENT_EXCLUDE_COMMENTS_BY: usernames (lower-cased, `*` a wildcard) whose
   * notes are shown in the context; undefined when neither is set.
   */
  commentAuthors: { include: string[]; exclude: string[] } | undefined;
  /** AGENT_OUTPUT_SCHEMA: a JSON Schema for the answer, as JSON text or a file path read from the base branch. */
  outputSchema: string | undefined;
  /** SSH_SIGNING_KEY in OpenSSH's form: the bot's commits are signed with it. */
  signingKey: string | undefined;
  /** Set when Codex runs. */
  codex: CodexOptions | undefined;
  /** Set when Claude runs. */
  claude: ClaudeOptions | undefined;
}

/** The Note Hook rules the job applies itself when the payload comes straight from GitLab (TRIGGER_PAYLOAD). */
export interface TriggerPolicySettings {
  minAccessLevel: number;
  allowedBots: readonly string[];
  deniedUsers: readonly string[];
  allowedUsers: readonly string[];
  aliases: Partial<Record<Assistant, readonly string[]>>;
  allowedProjects: readonly string[];
  allowedGroups: readonly string[];
  handleEdits: boolean;
  bridgeUserId: number | undefined;
}

export type JobSettingGroup = "gitlab" | "event" | "agent" | "claude" | "codex" | "trigger";

export interface JobSettingDoc extends SettingDoc {
  group: JobSettingGroup;
  /** A secret: store it as a masked (and protected) CI/CD variable. */
  secret?: boolean;
}

export const DEFAULT_TIMEOUT_MINUTES = 25;
export const DEFAULT_CONTEXT_BUDGET_CHARS = 120_000;
/** What the run leaves between its own deadline and the job's timeout, for finalize and the runner. */
const JOB_TIMEOUT_MARGIN_MINUTES = 2;

/** The table `agent-bridge run --help` and the docs are generated from. */
export const JOB_SETTINGS_DOC: readonly JobSettingDoc[] = [
  // GitLab (predefined by GitLab CI; set them yourself only to run outside CI)
  gitlabVar("CI_SERVER_URL", true, "Base URL of the GitLab instance."),
  gitlabVar("CI_API_V4_URL", false, "The REST API's URL.", "CI_SERVER_URL + /api/v4"),
  gitlabVar("CI_PROJECT_ID", true, "Numeric id of the project the job runs in."),
  gitlabVar("CI_PROJECT_PATH", true, "Full path of the project, e.g. group/app."),
  gitlabVar("CI_PROJECT_DIR", true, "The checkout the agent works in."),
  gitlabVar("CI_DEFAULT_BRANCH", true, "The project's default branch."),
  gitlabVar("CI_JOB_ID", true, "The job's id."),
  gitlabVar("CI_JOB_URL", true, "The job's page; every note the job writes links it."),
  gitlabVar("CI_PIPELINE_URL", false, "The pipeline's page."),
  gitlabVar(
    "CI_JOB_STATUS",
    false,
    "success, failed or canceled: set by GitLab for after_script (finalize).",
  ),
  gitlabVar("CI_JOB_TIMEOUT", false, "The job's timeout in seconds; the run's deadline stays below it."),
  gitlabVar("CI_JOB_STARTED_AT", false, "When the job started; tells finalize a timeout from a failure."),
  {
    name: "GITLAB_TOKEN",
    group: "gitlab",
    required: true,
    secret: true,
    description:
      "Token of the bridge's bot user (project or group access token, or a service account's), scopes `api` and `write_repository`, as a masked CI/CD variable. CI_JOB_TOKEN cannot write notes or merge requests.",
    default: null,
  },
  // The event
  {
    name: "AGENT_BRIDGE_EVENT",
    group: "event",
    required: false,
    description:
      "The event the webhook receiver sent (JSON), as a variable or passed on from the `agent_bridge_event` pipeline input.",
    default: null,
  },
  {
    name: "AI_FLOW_CONTEXT",
    group: "event",
    required: false,
    description: "The same event under GitLab's agent-platform name, with AI_FLOW_INPUT and AI_FLOW_EVENT.",
    default: null,
  },
  {
    name: "TRIGGER_PAYLOAD",
    group: "event",
    required: false,
    description:
      "A raw Note Hook (GitLab sets it when a webhook points straight at the pipeline trigger URL): the job then applies the mention, access and claim rules itself.",
    default: null,
  },
  {
    name: "AGENT_ASSISTANT",
    group: "event",
    required: false,
    description:
      "The assistant this job runs (claude or codex); required with TRIGGER_PAYLOAD. An event for another assistant is left to that assistant's job.",
    default: "the event's assistant",
  },
  // Both assistants
  {
    name: "AGENT_PROVIDER",
    group: "agent",
    required: false,
    description: "Where the model runs: anthropic, bedrock or vertex for Claude; openai for Codex.",
    default: "anthropic (Claude), openai (Codex)",
  },
  {
    name: "AGENT_MAX_TURNS",
    group: "agent",
    required: false,
    description:
      "Claude only: most turns the agent may take (1 to 1000). `codex exec` has no turn limit; AGENT_TIMEOUT_MINUTES bounds a Codex run.",
    default: null,
  },
  {
    name: "AGENT_TIMEOUT_MINUTES",
    group: "agent",
    required: false,
    description: `The run's own deadline in minutes (decimals allowed); it must stay at least ${JOB_TIMEOUT_MARGIN_MINUTES} minutes below the job's timeout.`,
    default: `${DEFAULT_TIMEOUT_MINUTES} (or the job's timeout less ${JOB_TIMEOUT_MARGIN_MINUTES} minutes, if shorter)`,
  },
  {
    name: "AGENT_ALLOWED_TOOLS",
    group: "agent",
    required: false,
    description: 'Tools the agent may use, comma- or space-separated, e.g. "Edit,Write,Bash(npm test:*)".',
    default: "the assistant's defaults",
  },
  {
    name: "AGENT_DISALLOWED_TOOLS",
    group: "agent",
    required: false,
    description: "Tools the agent may not use, same format.",
    default: null,
  },
  {
    name: "AGENT_BRANCH_PREFIX",
    group: "agent",
    required: false,
    description: "Prefix of the branches the job creates.",
    default: "claude/ or codex/",
  },
  {
    name: "AGENT_BRANCH_NAME_TEMPLATE",
    group: "agent",
    required: false,
    description: `Name of the branches made for issues: text with ${BRANCH_NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")} ({iid} required); a placeholder with no value takes a separator beside it along. It must give a valid git branch name.`,
    default: DEFAULT_BRANCH_NAME_TEMPLATE,
  },
  {
    name: "AGENT_BASE_BRANCH",
    group: "agent",
    required: false,
    description: "Branch that work on an issue starts from (and whose rules files the agent obeys).",
    default: "CI_DEFAULT_BRANCH",
  },
  {
    name: "AGENT_PUSH_MODE",
    group: "agent",
    required: false,
    description:
      "On a merge request: `auto` amends the bot's own last commit (pushed with force-with-lease) when the merge request is the bot's and nobody reviewed or approved since that commit, else adds a commit; `commit` always adds one; `amend` amends the bot's own last commit whoever's branch it is.",
    default: "auto",
  },
  {
    name: "AGENT_CUSTOM_INSTRUCTIONS",
    group: "agent",
    required: false,
    description: "Extra instructions added to the agent's system prompt.",
    default: null,
  },
  {
    name: "AGENT_REPORT_DIR",
    group: "agent",
    required: false,
    description:
      "Directory (relative to CI_PROJECT_DIR) for the run's report: agent-bridge-report.json and agent-bridge.env (AGENT_RESULT_* for later jobs). Unset: no report. The components set agent-bridge-report and collect both as artifacts.",
    default: null,
  },
  {
    name: "AGENT_CONTEXT_BUDGET_CHARS",
    group: "agent",
    required: false,
    description: "Most characters of issue or merge request context put into the prompt (5000 to 5000000).",
    default: String(DEFAULT_CONTEXT_BUDGET_CHARS),
  },
  {
    name: "AGENT_INCLUDE_COMMENTS_BY",
    group: "agent",
    required: false,
    description:
      "Comma-separated usernames whose notes the agent sees in the context, `*` matching any characters (e.g. `alice, project_*_bot*`); the request's own note is always shown. Empty: everyone's.",
    default: null,
  },
  {
    name: "AGENT_EXCLUDE_COMMENTS_BY",
    group: "agent",
    required: false,
    description:
      "Comma-separated usernames whose notes are left out of the context, same form; wins over AGENT_INCLUDE_COMMENTS_BY.",
    default: null,
  },
  {
    name: "AGENT_OUTPUT_SCHEMA",
    group: "agent",
    required: false,
    description:
      "A JSON Schema the answer must follow, as JSON or the path of a JSON file in the repository (read from the base branch): Claude's --json-schema, Codex's --output-schema. The answer is then JSON, in the reply and as structured_output in the run's report.",
    default: null,
  },
  {
    name: "SSH_SIGNING_KEY",
    group: "agent",
    required: false,
    secret: true,
    description:
      "An OpenSSH private key without a passphrase (plain, or base64-encoded so GitLab can mask it): the bot's commits are signed with it (git's SSH signing), by the job after the agent has finished; the agent never sees it. Add its public key to the bot user as a signing key for GitLab to show the commits as Verified.",
    default: null,
  },
  {
    name: "AGENT_SECRET_VARIABLES",
    group: "agent",
    required: false,
    description:
      "Comma-separated names of more variables whose values are redacted from everything posted to GitLab (variables named like *TOKEN*, *SECRET*, *PASSWORD*, *API_KEY* always are).",
    default: null,
  },
  // Claude
  {
    name: "CLAUDE_API_KEY",
    group: "claude",
    required: false,
    secret: true,
    description: "Anthropic API key for provider anthropic (or set ANTHROPIC_API_KEY).",
    default: null,
  },
  {
    name: "ANTHROPIC_API_KEY",
    group: "claude",
    required: false,
    secret: true,
    description: "Same as CLAUDE_API_KEY; CLAUDE_API_KEY wins when both are set.",
    default: null,
  },
  {
    name: "CLAUDE_CODE_OAUTH_TOKEN",
    group: "claude",
    required: false,
    secret: true,
    description:
      "A Claude subscription's token (`claude setup-token`) instead of an API key, for provider anthropic; passed to Claude Code under this name. An API key wins when both are set.",
    default: null,
  },
  {
    name: "ANTHROPIC_BASE_URL",
    group: "claude",
    required: false,
    description: "Anthropic API endpoint (a gateway or proxy).",
    default: "https://api.anthropic.com",
  },
  {
    name: "CLAUDE_MODEL",
    group: "claude",
    required: false,
    description: "Model for Claude Code (an alias such as sonnet, or a model, Bedrock or Vertex id).",
    default: "Claude Code's default",
  },
  {
    name: "CLAUDE_ARGS",
    group: "claude",
    required: false,
    description: "Extra `claude` arguments, split like a shell would (quotes group), never run through one.",
    default: null,
  },
  {
    name: "CLAUDE_SETTINGS",
    group: "claude",
    required: false,
    description:
      "Claude Code settings: JSON, or the path of a JSON file in the repository, read from the base branch. Hooks stay off (disableAllHooks wins).",
    default: null,
  },
  {
    name: "CLAUDE_MCP_CONFIG",
    group: "claude",
    required: false,
    description:
      'More MCP servers for Claude: {"mcpServers": {...}} as JSON, or the path of such a file in the repository, read from the base branch.',
    default: null,
  },
  // Codex
  {
    name: "OPENAI_API_KEY",
    group: "codex",
    required: false,
    secret: true,
    description: "OpenAI API key; required for Codex.",
    default: null,
  },
  {
    name: "OPENAI_BASE_URL",
    group: "codex",
    required: false,
    description: "OpenAI-compatible endpoint (…/v1); passed to Codex as a custom model provider.",
    default: "https://api.openai.com/v1",
  },
  {
    name: "CODEX_MODEL",
    group: "codex",
    required: false,
    description: "Model for Codex.",
    default: "Codex's default",
  },
  {
    name: "CODEX_ARGS",
    group: "codex",
    required: false,
    description: "Extra `codex exec` arguments, split like a shell would, never run through one.",
    default: null,
  },
  {
    name: "CODEX_REASONING_EFFORT",
    group: "codex",
    required: false,
    description: `Codex's model_reasoning_effort: ${CODEX_REASONING_EFFORTS.join(", ")} (the model must support it: \`codex debug models\`).`,
    default: "the model's default",
  },
  {
    name: "CODEX_SANDBOX_MODE",
    group: "codex",
    required: false,
    description: `${CODEX_SANDBOX_MODES.join(", ")}. auto: read-only for reviews and questions, workspace-write for changes. The sandbox never has network.`,
    default: "auto",
  },
  {
    name: "CODEX_PRICE_USD_PER_MTOK",
    group: "codex",
    required: false,
    description:
      'The run\'s model prices for the cost on the placeholder: "input,cached input,output" in US dollars per million tokens.',
    default: "agent-bridge's price table (job/agents/codex-prices.ts); no cost for a model not in it",
  },
  // TRIGGER_PAYLOAD only
  {
    name: "MIN_ACCESS_LEVEL",
    group: "trigger",
    required: false,
    description:
      "Least access a note's author needs: guest, planner, reporter, developer, maintainer, owner, or 10 to 50.",
    default: "developer",
  },
  ...AUTHOR_POLICY_DOC.map((doc): JobSettingDoc => ({ ...doc, group: "trigger" })),
  {
    name: "CLAUDE_ALIASES",
    group: "trigger",
    required: false,
    description: "Comma-separated extra names that summon Claude, without @.",
    default: null,
  },
  {
    name: "CODEX_ALIASES",
    group: "trigger",
    required: false,
    description: "Comma-separated extra names that summon Codex, without @.",
    default: null,
  },
  {
    name: "ALLOWED_PROJECTS",
    group: "trigger",
    required: false,
    description: "Comma-separated project paths (or ids) answered in; empty with ALLOWED_GROUPS empty: all.",
    default: null,
  },
  {
    name: "ALLOWED_GROUPS",
    group: "trigger",
    required: false,
    description: "Comma-separated group paths answered in, subgroups included.",
    default: null,
  },
  {
    name: "HANDLE_EDITS",
    group: "trigger",
    required: false,
    description: "Answer a mention added by editing a note (true/false).",
    default: "false",
  },
  {
    name: "BRIDGE_USER_ID",
    group: "trigger",
    required: false,
    description: "Numeric id of the bot user; saves a GET /user.",
    default: "looked up with GET /user",
  },
];

function gitlabVar(name: string, required: boolean, description: string, fallback?: string): JobSettingDoc {
  return {
    name,
    group: "gitlab",
    required,
    description,
    default: fallback ?? null,
  };
}

// Helpers ---------------------------------------------------------------------------------------------

const IN_CI = "set by GitLab CI (outside CI, set it yourself)";

function httpUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") return undefined;
  return url.toString().replace(/\/+$/, "");
}

function requiredUrl(what: string) {
  return required(`${what}, ${IN_CI}`).transform(
    (value, ctx) => httpUrl(value) ?? problem(ctx, `an http or https URL (${what}), without credentials`),
  );
}

function optionalUrl(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return httpUrl(value) ?? problem(ctx, `an http or https URL (${what}), without credentials`);
  });
}

function positiveId(what: string) {
  return required(`${what}, ${IN_CI}`).transform((value, ctx) =>
    /^[1-9]\d{0,15}$/.test(value) ? Number(value) : problem(ctx, `a positive whole number (${what})`),
  );
}

/** git check-ref-format's rules that matter for a branch name or prefix. */
export function isValidRefName(name: string, { prefix = false } = {}): boolean {
  if (name === "" || name === "@") return false;
  // Control characters (below 0x20, and DEL) are not allowed either.
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  if (/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|\.lock(\/|$)|\/\./.test(name)) return false;
  if (!prefix && (/\/$/.test(name) || /\.$/.test(name))) return false;
  return true;
}

function branch(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return isValidRefName(value) ? value : problem(ctx, `a branch name (${what}), e.g. main`);
  });
}

/**
 * Claude Code's tool list: names separated by commas or blanks, where a blank inside parentheses belongs to
 * the rule, e.g. `Edit, Bash(git diff:*) mcp__gitlab__update_progress`.
 */
export function parseToolList(text: string): string[] | undefined {
  const tools: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of text) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (depth < 0) return undefined;
    if (depth === 0 && (c === "," || /\s/.test(c))) {
      if (current !== "") tools.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  if (depth !== 0) return undefined;
  if (current !== "") tools.push(current);
  return tools.every((tool) => /^[A-Za-z_][\w.-]*(\(.*\))?$/s.test(tool)) ? tools : undefined;
}

function toolList() {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const tools = parseToolList(value);
    if (!tools || tools.length === 0) {
      return problem(ctx, 'tool names separated by commas or blanks, e.g. "Edit,Write,Bash(npm test:*)"');
    }
    return tools;
  });
}

function cliArgs(cli: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return [];
    try {
      return splitArgs(value);
    } catch (error) {
      const why = error instanceof SplitArgsError ? error.message : "cannot be split";
      return problem(ctx, `extra ${cli} arguments, quoted like in a shell (${why})`);
    }
  });
}

function model() {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return /^[\w.:/@[\]-]{1,200}$/.test(value)
      ? value
      : problem(ctx, "a model name or id (letters, digits and . _ - : / @)");
  });
}

/** JSON text (an object), or a relative path inside the repository (no "..", no leading "/"). */
function jsonOrPath(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (value.startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return value;
      } catch {
        // reported below
      }
      return problem(ctx, `${what} as a JSON object, or the path of a JSON file in the repository`);
    }
    const parts = value.split("/");
    return !value.startsWith("/") && parts.every((part) => part !== "" && part !== "." && part !== "..")
      ? value
      : problem(ctx, `${what}: a JSON object, or a relative path inside the repository (no ..)`);
  });
}

/** Comma-separated GitLab usernames, `*` a wildcard, lower-cased (GitLab's usernames are case-insensitive). */
function usernamePatterns() {
  return raw.transform((value, ctx) => {
    const names = list(value).map((name) => name.replace(/^@/, "").toLowerCase());
    return names.every((name) => /^[a-z0-9_.*-]+$/.test(name))
      ? names
      : problem(ctx, "comma-separated GitLab usernames, * matching any characters (e.g. project_*_bot*)");
  });
}

function secret(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return /\s/.test(value) ? problem(ctx, `${what} without blanks inside`) : value;
  });
}

// Schemas ---------------------------------------------------------------------------------------------

const GitLabSchema = z.object({
  CI_SERVER_URL: requiredUrl("the GitLab instance's base URL"),
  CI_API_V4_URL: optionalUrl("the REST API's URL"),
  CI_PROJECT_ID: positiveId("the project's numeric id"),
  CI_PROJECT_PATH: required(`the project's full path, ${IN_CI}`),
  CI_PROJECT_DIR: required(`the checkout's absolute path, ${IN_CI}`).transform((value, ctx) =>
    value.startsWith("/") ? value : problem(ctx, "an absolute path (the checkout)"),
  ),
  CI_DEFAULT_BRANCH: required(`the project's default branch, ${IN_CI}`).transform((value, ctx) =>
    isValidRefName(value) ? value : problem(ctx, "a branch name"),
  ),
  CI_JOB_ID: positiveId("the job's id"),
  CI_JOB_URL: requiredUrl("the job's page"),
  CI_PIPELINE_URL: optionalUrl("the pipeline's page"),
  CI_JOB_STATUS: raw,
  CI_JOB_TIMEOUT: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return /^\d+$/.test(value) && Number(value) > 0
      ? Number(value)
      : problem(ctx, "the job's timeout in seconds");
  }),
  CI_JOB_STARTED_AT: raw.transform((value) => {
    const at = value === undefined ? Number.NaN : Date.parse(value);
    // Informational only: an odd value is ignored, never an error.
    return Number.isNaN(at) ? undefined : at;
  }),
  GITLAB_TOKEN: required(
    "the bridge bot's GitLab token (project/group access token or service account, scopes api and write_repository) as a masked CI/CD variable; CI_JOB_TOKEN cannot write notes or merge requests",
  ).transform((value, ctx) => (/\s/.test(value) ? problem(ctx, "a GitLab token without blanks") : value)),
});

const AgentSchema = z.object({
  AGENT_PROVIDER: oneOf(AGENT_PROVIDERS),
  AGENT_MAX_TURNS: integer(1, 1000, "turns"),
  AGENT_TIMEOUT_MINUTES: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const minutes = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!(minutes >= 0.05 && minutes <= 1440)) {
      return problem(ctx, "a number of minutes from 0.05 to 1440, below the job's timeout");
    }
    return minutes;
  }),
  AGENT_ALLOWED_TOOLS: toolList(),
  AGENT_DISALLOWED_TOOLS: toolList(),
  AGENT_BRANCH_PREFIX: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return isValidRefName(value, { prefix: true }) && value.length <= 100
      ? value
      : problem(ctx, "a branch name prefix such as claude/ (no blanks, .., ~ ^ : ? * [ or \\)");
  }),
  AGENT_BASE_BRANCH: branch("the branch work starts from"),
  AGENT_BRANCH_NAME_TEMPLATE: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const why = branchNameTemplateProblem(value);
    return why === null ? value : problem(ctx, why);
  }),
  AGENT_PUSH_MODE: oneOf(PUSH_MODES),
  AGENT_CUSTOM_INSTRUCTIONS: raw,
  AGENT_CONTEXT_BUDGET_CHARS: integer(5_000, 5_000_000, "characters"),
  AGENT_INCLUDE_COMMENTS_BY: usernamePatterns(),
  AGENT_EXCLUDE_COMMENTS_BY: usernamePatterns(),
  AGENT_OUTPUT_SCHEMA: jsonOrPath("a JSON Schema for the answer"),
  SSH_SIGNING_KEY: signingKeyField,
});

const ClaudeSchema = z.object({
  CLAUDE_API_KEY: secret("an Anthropic API key"),
  ANTHROPIC_API_KEY: secret("an Anthropic API key"),
  ANTHROPIC_BASE_URL: optionalUrl("the Anthropic API endpoint"),
  CLAUDE_MODEL: model(),
  CLAUDE_ARGS: cliArgs("claude"),
  CLAUDE_CODE_OAUTH_TOKEN: secret("a Claude OAuth token"),
  CLAUDE_SETTINGS: jsonOrPath("Claude Code settings"),
  CLAUDE_MCP_CONFIG: jsonOrPath('an MCP configuration ({"mcpServers": ...})'),
});

const CodexSchema = z.object({
  OPENAI_API_KEY: secret("an OpenAI API key"),
  OPENAI_BASE_URL: optionalUrl("the OpenAI-compatible endpoint, ending in /v1"),
  CODEX_MODEL: model(),
  CODEX_ARGS: cliArgs("codex exec"),
  ...CodexOptionsSchema.shape,
});

const TriggerSchema = z.object(policyFields);

// Loading ---------------------------------------------------------------------------------------------

type Parsed<S extends z.ZodType> = { data: z.infer<S> | undefined; problems: SettingsProblem[] };

function parseGroup<S extends z.ZodObject>(schema: S, env: Env): Parsed<S> {
  // Only the variables the schema names are read: the rest of the environment stays out.
  const picked = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, env[name]]));
  const parsed = schema.safeParse(picked);
  if (parsed.success) return { data: parsed.data, problems: [] };
  const problems: SettingsProblem[] = [];
  for (const issue of parsed.error.issues) {
    const variable = String(issue.path[0] ?? "settings");
    // Only our own messages: zod's defaults could describe a value, and a value may be a secret.
    const expected = issue.code === "custom" ? issue.message : "invalid";
    if (!problems.some((p) => p.variable === variable && p.expected === expected)) {
      problems.push({ variable, expected });
    }
  }
  return { data: undefined, problems };
}

function sorted(problems: SettingsProblem[]): SettingsProblem[] {
  const order = (name: string) => {
    const index = JOB_SETTINGS_DOC.findIndex((doc) => doc.name === name);
    return index < 0 ? JOB_SETTINGS_DOC.length : index;
  };
  return [...problems].sort((a, b) => order(a.variable) - order(b.variable));
}

function gitlabFrom(env: Env): { settings: JobGitLabSettings | undefined; problems: SettingsProblem[] } {
  const { data, problems } = parseGroup(GitLabSchema, env);
  const jobToken = clean(env["CI_JOB_TOKEN"]);
  const token = clean(env["GITLAB_TOKEN"]);
  if (token !== undefined && jobToken !== undefined && token === jobToken) {
    problems.push({
      variable: "GITLAB_TOKEN",
      expected:
        "the bridge bot's token, not CI_JOB_TOKEN: the job token cannot write notes or merge requests",
    });
  }
  if (!data || problems.length > 0) return { settings: undefined, problems };
  const apiUrl = data.CI_API_V4_URL ?? `${data.CI_SERVER_URL}/api/v4`;
  return {
    settings: {
      serverUrl: data.CI_SERVER_URL,
      apiUrl,
      clientBaseUrl: apiUrl.endsWith("/api/v4") ? apiUrl.slice(0, -"/api/v4".length) : data.CI_SERVER_URL,
      projectId: data.CI_PROJECT_ID,
      projectPath: data.CI_PROJECT_PATH,
      projectDir: data.CI_PROJECT_DIR,
      defaultBranch: data.CI_DEFAULT_BRANCH,
      jobId: data.CI_JOB_ID,
      jobUrl: data.CI_JOB_URL,
      pipelineUrl: data.CI_PIPELINE_URL,
      jobStatus: data.CI_JOB_STATUS,
      jobTimeoutSeconds: data.CI_JOB_TIMEOUT,
      jobStartedAt: data.CI_JOB_STARTED_AT,
      token: data.GITLAB_TOKEN,
    },
    problems,
  };
}

/** GitLab's variables and the bot token: all finalize needs. Throws SettingsError listing every problem. */
export function loadJobGitLabSettings(env: Env): JobGitLabSettings {
  const { settings, problems } = gitlabFrom(env);
  if (!settings) throw new SettingsError("job settings", sorted(problems));
  return settings;
}

/**
 * Everything `agent-bridge run` needs for `assistant`: GitLab, the provider and its key, and the options.
 * Variables of the other assistant are not read. Throws SettingsError listing every problem.
 */
export function loadJobSettings(env: Env, assistant: Assistant): JobSettings {
  const gitlab = gitlabFrom(env);
  const agent = parseGroup(AgentSchema, env);
  const claude = assistant === "claude" ? parseGroup(ClaudeSchema, env) : undefined;
  const codex = assistant === "codex" ? parseGroup(CodexSchema, env) : undefined;
  const problems = [
    ...gitlab.problems,
    ...agent.problems,
    ...(claude?.problems ?? []),
    ...(codex?.problems ?? []),
  ];

  const allowed = PROVIDERS_BY_ASSISTANT[assistant];
  const provider = agent.data?.AGENT_PROVIDER ?? allowed[0] ?? "anthropic";
  if (agent.data && !allowed.includes(provider)) {
    problems.push({
      variable: "AGENT_PROVIDER",
      expected: `one of ${allowed.join(", ")} for ${assistant === "claude" ? "Claude" : "Codex"}`,
    });
  }

  let apiKey: string | undefined;
  let baseUrl: string | undefined;
  if (claude?.data) {
    apiKey = claude.data.CLAUDE_API_KEY ?? claude.data.ANTHROPIC_API_KEY;
    baseUrl = claude.data.ANTHROPIC_BASE_URL;
    if (
      provider === "anthropic" &&
      apiKey === undefined &&
      claude.data.CLAUDE_CODE_OAUTH_TOKEN === undefined
    ) {
      problems.push({
        variable: "CLAUDE_API_KEY",
        expected:
          "required for AGENT_PROVIDER=anthropic (or set ANTHROPIC_API_KEY, or a subscription's CLAUDE_CODE_OAUTH_TOKEN): an Anthropic API key as a masked CI/CD variable; or choose AGENT_PROVIDER=bedrock or vertex",
      });
    }
    // Bedrock and Vertex authenticate through the cloud: a key or an Anthropic endpoint would be ignored.
    if (provider !== "anthropic") {
      apiKey = undefined;
      baseUrl = undefined;
    }
  }
  if (codex?.data) {
    apiKey = codex.data.OPENAI_API_KEY;
    baseUrl = codex.data.OPENAI_BASE_URL;
    if (apiKey === undefined) {
      problems.push({
        variable: "OPENAI_API_KEY",
        expected: "required for Codex: an OpenAI API key as a masked CI/CD variable",
      });
    }
  }

  const timeout = timeoutMinutes(agent.data?.AGENT_TIMEOUT_MINUTES, gitlab.settings?.jobTimeoutSeconds);
  if ("problem" in timeout) problems.push(timeout.problem);

  if (problems.length > 0 || !gitlab.settings || !agent.data || "problem" in timeout) {
    throw new SettingsError("job settings", sorted(problems));
  }
  const a = agent.data;
  const cliSettings = claude?.data
    ? { model: claude.data.CLAUDE_MODEL, extraArgs: claude.data.CLAUDE_ARGS }
    : { model: codex?.data?.CODEX_MODEL, extraArgs: codex?.data?.CODEX_ARGS ?? [] };
  return {
    gitlab: gitlab.settings,
    assistant,
    provider,
    apiKey,
    baseUrl,
    model: cliSettings.model,
    // Codex has no turn limit to pass it to.
    maxTurns: assistant === "claude" ? a.AGENT_MAX_TURNS : undefined,
    timeoutMs: Math.round(timeout.minutes * 60_000),
    allowedTools: a.AGENT_ALLOWED_TOOLS,
    disallowedTools: a.AGENT_DISALLOWED_TOOLS,
    extraArgs: cliSettings.extraArgs,
    branchPrefix: a.AGENT_BRANCH_PREFIX ?? `${assistant}/`,
    baseBranch: a.AGENT_BASE_BRANCH ?? gitlab.settings.defaultBranch,
    branchNameTemplate: a.AGENT_BRANCH_NAME_TEMPLATE,
    pushMode: a.AGENT_PUSH_MODE ?? "auto",
    customInstructions: a.AGENT_CUSTOM_INSTRUCTIONS,
    contextBudgetChars: a.AGENT_CONTEXT_BUDGET_CHARS ?? DEFAULT_CONTEXT_BUDGET_CHARS,
    commentAuthors:
      a.AGENT_INCLUDE_COMMENTS_BY.length > 0 || a.AGENT_EXCLUDE_COMMENTS_BY.length > 0
        ? { include: a.AGENT_INCLUDE_COMMENTS_BY, exclude: a.AGENT_EXCLUDE_COMMENTS_BY }
        : undefined,
    outputSchema: a.AGENT_OUTPUT_SCHEMA,
    signingKey: a.SSH_SIGNING_KEY,
    codex: codex?.data ? codexOptionsFrom(codex.data) : undefined,
    claude: claude?.data
      ? {
          // Bedrock and Vertex authenticate through the cloud, and an API key wins over the subscription.
          oauthToken:
            provider === "anthropic" && apiKey === undefined
              ? claude.data.CLAUDE_CODE_OAUTH_TOKEN
              : undefined,
          settings: claude.data.CLAUDE_SETTINGS,
          mcpConfig: claude.data.CLAUDE_MCP_CONFIG,
        }
      : undefined,
  };
}

/**
 * The run's deadline: AGENT_TIMEOUT_MINUTES, or 25 minutes, kept a margin below the job's timeout so the
 * run itself (not GitLab's kill) finalizes the placeholder. An explicit value too close to the job's
 * timeout is an error; the default shrinks to fit.
 */
function timeoutMinutes(
  explicit: number | undefined,
  jobTimeoutSeconds: number | undefined,
): { minutes: number } | { problem: SettingsProblem } {
  const ceiling =
    jobTimeoutSeconds === undefined ? Infinity : jobTimeoutSeconds / 60 - JOB_TIMEOUT_MARGIN_MINUTES;
  if (explicit !== undefined) {
    if (explicit <= ceiling) return { minutes: explicit };
    return {
      problem: {
        variable: "AGENT_TIMEOUT_MINUTES",
        expected: `at most ${formatMinutes(ceiling)} minutes: ${JOB_TIMEOUT_MARGIN_MINUTES} minutes below the job's timeout (CI_JOB_TIMEOUT, ${formatMinutes((jobTimeoutSeconds ?? 0) / 60)} minutes); raise the job's timeout or lower this`,
      },
    };
  }
  const minutes = Math.min(DEFAULT_TIMEOUT_MINUTES, ceiling);
  if (minutes >= 1) return { minutes };
  return {
    problem: {
      variable: "CI_JOB_TIMEOUT",
      expected: `a job timeout of at least ${JOB_TIMEOUT_MARGIN_MINUTES + 1} minutes, so the run has time before GitLab stops the job`,
    },
  };
}

function formatMinutes(minutes: number): string {
  return Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(2);
}

/** The Note Hook rules for TRIGGER_PAYLOAD. Throws SettingsError listing every problem. */
export function loadTriggerPolicySettings(env: Env): TriggerPolicySettings {
  const { data, problems } = parseGroup(TriggerSchema, env);
  if (!data) throw new SettingsError("trigger payload settings", sorted(problems));
  const aliases: Partial<Record<Assistant, readonly string[]>> = {};
  if (data.CLAUDE_ALIASES.length > 0) aliases.claude = data.CLAUDE_ALIASES;
  if (data.CODEX_ALIASES.length > 0) aliases.codex = data.CODEX_ALIASES;
  try {
    validateMentionOptions({ aliases, enabled: ASSISTANTS });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SettingsError("trigger payload settings", [
      { variable: "CLAUDE_ALIASES/CODEX_ALIASES", expected: `aliases the mention finder accepts (${why})` },
    ]);
  }
  return {
    minAccessLevel: data.MIN_ACCESS_LEVEL,
    allowedBots: data.ALLOWED_BOTS,
    deniedUsers: data.DENIED_USERS,
    allowedUsers: data.ALLOWED_USERS,
    aliases,
    allowedProjects: data.ALLOWED_PROJECTS,
    allowedGroups: data.ALLOWED_GROUPS,
    handleEdits: data.HANDLE_EDITS,
    bridgeUserId: data.BRIDGE_USER_ID,
  };
}

/** AGENT_ASSISTANT: which assistant this job runs, when the template says; throws SettingsError if invalid. */
export function loadJobAssistant(env: Env): Assistant | undefined {
  const value = clean(env["AGENT_ASSISTANT"])?.toLowerCase();
  if (value === undefined) return undefined;
  const found = ASSISTANTS.find((a) => a === value);
  if (found) return found;
  throw new SettingsError("job settings", [
    { variable: "AGENT_ASSISTANT", expected: `one of ${ASSISTANTS.join(", ")}` },
  ]);
}

/** `--help` text: one entry per variable, grouped, with whether it is required and its default. */
export function jobSettingsHelp(groups: readonly JobSettingGroup[]): string {
  const titles: Record<JobSettingGroup, string> = {
    gitlab: "GitLab (predefined by GitLab CI, except GITLAB_TOKEN)",
    event: "The event",
    agent: "Both assistants",
    claude: "Claude Code only",
    codex: "Codex only",
    trigger: "With TRIGGER_PAYLOAD only (the webhook receiver's rules, applied by the job)",
  };
  return groups
    .map((group) => {
      const entries = JOB_SETTINGS_DOC.filter((doc) => doc.group === group).map((doc) => {
        const tags = [
          doc.required ? "required" : undefined,
          doc.secret ? "secret: masked variable" : undefined,
          doc.default !== null ? `default: ${doc.default}` : undefined,
        ].filter((tag) => tag !== undefined);
        return `  ${doc.name}${tags.length > 0 ? ` (${tags.join("; ")})` : ""}\n      ${doc.description}`;
      });
      return `${titles[group]}:\n${entries.join("\n")}`;
    })
    .join("\n\n");
}
