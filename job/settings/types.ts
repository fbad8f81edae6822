// What the job's settings are once read: the GitLab part (all finalize needs), the run's settings for one
// assistant, and the rules of the trigger path; with the providers, push modes and defaults they name.
import type { Assistant } from "../../shared/mention/index.ts";
import type { CodexOptions } from "./codex-options.ts";

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

export const DEFAULT_TIMEOUT_MINUTES = 25;
export const DEFAULT_CONTEXT_BUDGET_CHARS = 120_000;
/** What the run leaves between its own deadline and the job's timeout, for finalize and the runner. */
export const JOB_TIMEOUT_MARGIN_MINUTES = 2;
