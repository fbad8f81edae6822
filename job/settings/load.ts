// The job's settings loaders, parsed once at the edge from an environment-like record: GitLab's predefined
// variables, the bridge's bot token, the assistant's provider and key, and the options the CI template
// passes. A bad setting ends the run with a list of every problem, each as "VARIABLE: what it expects"; a
// value is never repeated (several are secrets). The settings only one assistant needs (its key, model,
// extra arguments) are checked only when that assistant runs, so a Claude job never fails over a Codex
// variable. The run reads them through resolveRun (resolve-run.ts); finalize reads the GitLab part.
//
//   const gitlab = loadJobGitLabSettings(process.env);          // finalize, and before the event is known
//   const settings = loadJobSettings(process.env, "claude");    // the run, once the event names the assistant
import type { z } from "zod";
import { clean, type Env } from "../../shared/config/env-values.ts";
import { SettingsError, type SettingsProblem } from "../../shared/config/settings-error.ts";
import type { Assistant } from "../../shared/mention/index.ts";
import { ASSISTANTS, validateMentionOptions } from "../../shared/mention/index.ts";
import { AGENT_VARS } from "./agent-vars.ts";
import { CLAUDE_VARS, CODEX_VARS } from "./assistant-vars.ts";
import { JOB_SETTINGS_DOC } from "./catalog.ts";
import { codexOptionsFrom } from "./codex-options.ts";
import { EVENT_VARS, GITLAB_VARS } from "./gitlab-vars.ts";
import { schemaOf } from "./setting.ts";
import { TRIGGER_VARS } from "./trigger-vars.ts";
import {
  DEFAULT_CONTEXT_BUDGET_CHARS,
  DEFAULT_TIMEOUT_MINUTES,
  JOB_TIMEOUT_MARGIN_MINUTES,
  PROVIDERS_BY_ASSISTANT,
  type JobGitLabSettings,
  type JobSettings,
  type TriggerPolicySettings,
} from "./types.ts";

const GitLabSchema = schemaOf(GITLAB_VARS);
const AssistantSchema = schemaOf(EVENT_VARS);
const AgentSchema = schemaOf(AGENT_VARS);
const ClaudeSchema = schemaOf(CLAUDE_VARS);
const CodexSchema = schemaOf(CODEX_VARS);
const TriggerSchema = schemaOf(TRIGGER_VARS);

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
  const { data, problems } = parseGroup(AssistantSchema, env);
  if (!data) throw new SettingsError("job settings", problems);
  return data.AGENT_ASSISTANT;
}
