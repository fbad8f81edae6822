import { describe, expect, it } from "vitest";
import { JOB_SETTINGS_DOC, jobSettingsHelp } from "../../../job/settings/catalog.ts";
import { parseToolList } from "../../../job/settings/fields.ts";
import {
  loadJobAssistant,
  loadJobGitLabSettings,
  loadJobSettings,
  loadTriggerPolicySettings,
} from "../../../job/settings/load.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";
import { splitArgs, SplitArgsError } from "../../../job/settings/split-args.ts";

const ci = {
  CI_SERVER_URL: "https://gitlab.example.com",
  CI_API_V4_URL: "https://gitlab.example.com/api/v4",
  CI_PROJECT_ID: "42",
  CI_PROJECT_PATH: "group/app",
  CI_PROJECT_DIR: "/builds/group/app",
  CI_DEFAULT_BRANCH: "main",
  CI_JOB_ID: "777",
  CI_JOB_URL: "https://gitlab.example.com/group/app/-/jobs/777",
  CI_PIPELINE_URL: "https://gitlab.example.com/group/app/-/pipelines/9",
  GITLAB_TOKEN: "glpat-bot-token-0123456789",
};
const claudeEnv = { ...ci, CLAUDE_API_KEY: "sk-ant-api03-secret-value" };
const codexEnv = { ...ci, OPENAI_API_KEY: "sk-openai-secret-value" };

function problems(load: () => unknown): Record<string, string> {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return Object.fromEntries((error as SettingsError).problems.map((p) => [p.variable, p.expected]));
  }
  throw new Error("expected a SettingsError");
}

describe("job/settings", () => {
  it("reads GitLab's predefined variables and the bot token", () => {
    expect(loadJobGitLabSettings({ ...ci, CI_JOB_STATUS: "canceled", CI_JOB_TIMEOUT: "3600" })).toEqual({
      serverUrl: "https://gitlab.example.com",
      apiUrl: "https://gitlab.example.com/api/v4",
      clientBaseUrl: "https://gitlab.example.com",
      projectId: 42,
      projectPath: "group/app",
      projectDir: "/builds/group/app",
      defaultBranch: "main",
      jobId: 777,
      jobUrl: "https://gitlab.example.com/group/app/-/jobs/777",
      pipelineUrl: "https://gitlab.example.com/group/app/-/pipelines/9",
      jobStatus: "canceled",
      jobTimeoutSeconds: 3600,
      jobStartedAt: undefined,
      token: "glpat-bot-token-0123456789",
    });
  });

  it("derives the client's base URL from CI_API_V4_URL (an instance under a path)", () => {
    const settings = loadJobGitLabSettings({
      ...ci,
      CI_SERVER_URL: "https://example.com/gitlab/",
      CI_API_V4_URL: "https://example.com/gitlab/api/v4",
    });
    expect(settings.serverUrl).toBe("https://example.com/gitlab");
    expect(settings.clientBaseUrl).toBe("https://example.com/gitlab");
    const noApi = loadJobGitLabSettings({ ...ci, CI_API_V4_URL: undefined });
    expect(noApi.apiUrl).toBe("https://gitlab.example.com/api/v4");
  });

  it("applies the documented defaults for Claude", () => {
    const settings = loadJobSettings(claudeEnv, "claude");
    expect(settings).toMatchObject({
      assistant: "claude",
      provider: "anthropic",
      apiKey: "sk-ant-api03-secret-value",
      baseUrl: undefined,
      model: undefined,
      maxTurns: undefined,
      timeoutMs: 25 * 60_000,
      allowedTools: undefined,
      disallowedTools: undefined,
      extraArgs: [],
      branchPrefix: "claude/",
      baseBranch: "main",
      pushMode: "auto",
      branchNameTemplate: undefined,
      commentAuthors: undefined,
      outputSchema: undefined,
      customInstructions: undefined,
      contextBudgetChars: 120_000,
    });
  });

  it("applies the documented defaults for Codex", () => {
    expect(loadJobSettings(codexEnv, "codex")).toMatchObject({
      assistant: "codex",
      provider: "openai",
      apiKey: "sk-openai-secret-value",
      branchPrefix: "codex/",
    });
  });

  it("reads every option", () => {
    const settings = loadJobSettings(
      {
        ...claudeEnv,
        CLAUDE_API_KEY: "",
        ANTHROPIC_API_KEY: "sk-ant-other\n",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9999/",
        CLAUDE_MODEL: "claude-sonnet-4-5",
        CLAUDE_ARGS: `--append-system-prompt "Be brief, please" --verbose`,
        AGENT_MAX_TURNS: "12",
        AGENT_TIMEOUT_MINUTES: "0.5",
        AGENT_ALLOWED_TOOLS: "Edit, Write Bash(npm test:*)",
        AGENT_DISALLOWED_TOOLS: "WebFetch",
        AGENT_BRANCH_PREFIX: "bots/claude-",
        AGENT_BASE_BRANCH: "develop",
        AGENT_PUSH_MODE: "Amend",
        AGENT_BRANCH_NAME_TEMPLATE: "{prefix}{assistant}-{kind}-{iid}/{slug}",
        AGENT_CUSTOM_INSTRUCTIONS: "Answer in French.",
        AGENT_CONTEXT_BUDGET_CHARS: "50000",
        AGENT_INCLUDE_COMMENTS_BY: "@Alice, project_*_bot*",
        AGENT_EXCLUDE_COMMENTS_BY: "mallory",
        AGENT_OUTPUT_SCHEMA: "ci/answer.schema.json",
      },
      "claude",
    );
    expect(settings).toMatchObject({
      apiKey: "sk-ant-other",
      baseUrl: "http://127.0.0.1:9999",
      model: "claude-sonnet-4-5",
      extraArgs: ["--append-system-prompt", "Be brief, please", "--verbose"],
      maxTurns: 12,
      timeoutMs: 30_000,
      allowedTools: ["Edit", "Write", "Bash(npm test:*)"],
      disallowedTools: ["WebFetch"],
      branchPrefix: "bots/claude-",
      baseBranch: "develop",
      pushMode: "amend",
      branchNameTemplate: "{prefix}{assistant}-{kind}-{iid}/{slug}",
      customInstructions: "Answer in French.",
      contextBudgetChars: 50_000,
      commentAuthors: { include: ["alice", "project_*_bot*"], exclude: ["mallory"] },
      outputSchema: "ci/answer.schema.json",
    });
  });

  it("lists every problem at once, naming variables, never values", () => {
    const env = {
      ...ci,
      CI_PROJECT_ID: "abc",
      CI_JOB_URL: "not a url",
      GITLAB_TOKEN: undefined,
      AGENT_MAX_TURNS: "0",
      AGENT_PUSH_MODE: "force",
      AGENT_BRANCH_PREFIX: "bad prefix",
      CLAUDE_ARGS: `--flag "unterminated`,
      CLAUDE_API_KEY: "has a space in it",
    };
    let message = "";
    try {
      loadJobSettings(env, "claude");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(Object.keys(problems(() => loadJobSettings(env, "claude")))).toEqual([
      "CI_PROJECT_ID",
      "CI_JOB_URL",
      "GITLAB_TOKEN",
      "AGENT_MAX_TURNS",
      "AGENT_BRANCH_PREFIX",
      "AGENT_PUSH_MODE",
      "CLAUDE_API_KEY",
      "CLAUDE_ARGS",
    ]);
    expect(message).not.toContain("has a space in it");
    expect(message).not.toContain("unterminated");
    expect(message).toContain("The job settings are not valid:");
  });

  it("says that CI_JOB_TOKEN cannot stand in for the bot token", () => {
    expect(
      problems(() => loadJobGitLabSettings({ ...ci, GITLAB_TOKEN: undefined }))["GITLAB_TOKEN"],
    ).toContain("CI_JOB_TOKEN cannot write notes");
    const same = problems(() => loadJobGitLabSettings({ ...ci, CI_JOB_TOKEN: ci.GITLAB_TOKEN }));
    expect(same["GITLAB_TOKEN"]).toContain("not CI_JOB_TOKEN");
  });

  it("requires the key of the provider that runs, and only that one", () => {
    expect(problems(() => loadJobSettings(ci, "claude"))).toEqual({
      CLAUDE_API_KEY: expect.stringContaining("required for AGENT_PROVIDER=anthropic") as unknown,
    });
    expect(problems(() => loadJobSettings(ci, "codex"))).toEqual({
      OPENAI_API_KEY: expect.stringContaining("required for Codex") as unknown,
    });
    // Bedrock and Vertex authenticate through the cloud: no key needed, a stray one is not passed on.
    const bedrock = loadJobSettings(
      { ...ci, AGENT_PROVIDER: "bedrock", ANTHROPIC_API_KEY: "sk-ant-x-123" },
      "claude",
    );
    expect(bedrock).toMatchObject({ provider: "bedrock", apiKey: undefined, baseUrl: undefined });
  });

  it("checks the other assistant's variables only when it runs", () => {
    const env = {
      ...claudeEnv,
      CODEX_ARGS: `"broken`,
      CODEX_MODEL: "bad model!",
      OPENAI_BASE_URL: "ftp://x",
    };
    expect(loadJobSettings(env, "claude").assistant).toBe("claude");
    expect(
      Object.keys(problems(() => loadJobSettings({ ...env, OPENAI_API_KEY: "sk-x-123456" }, "codex"))),
    ).toEqual(["OPENAI_BASE_URL", "CODEX_MODEL", "CODEX_ARGS"]);
  });

  it("refuses a provider of the other assistant", () => {
    expect(problems(() => loadJobSettings({ ...claudeEnv, AGENT_PROVIDER: "openai" }, "claude"))).toEqual({
      AGENT_PROVIDER: "one of anthropic, bedrock, vertex for Claude",
    });
    expect(problems(() => loadJobSettings({ ...codexEnv, AGENT_PROVIDER: "vertex" }, "codex"))).toEqual({
      AGENT_PROVIDER: "one of openai for Codex",
    });
  });

  it("keeps the run's deadline below the job's timeout", () => {
    // The default shrinks to fit a shorter job.
    expect(loadJobSettings({ ...claudeEnv, CI_JOB_TIMEOUT: "600" }, "claude").timeoutMs).toBe(8 * 60_000);
    expect(loadJobSettings({ ...claudeEnv, CI_JOB_TIMEOUT: "3600" }, "claude").timeoutMs).toBe(25 * 60_000);
    // An explicit value too close to it is an error.
    expect(
      problems(() =>
        loadJobSettings({ ...claudeEnv, CI_JOB_TIMEOUT: "1800", AGENT_TIMEOUT_MINUTES: "29" }, "claude"),
      ),
    ).toEqual({ AGENT_TIMEOUT_MINUTES: expect.stringContaining("at most 28 minutes") as unknown });
    expect(problems(() => loadJobSettings({ ...claudeEnv, CI_JOB_TIMEOUT: "120" }, "claude"))).toHaveProperty(
      "CI_JOB_TIMEOUT",
    );
    expect(
      problems(() => loadJobSettings({ ...claudeEnv, AGENT_TIMEOUT_MINUTES: "-1" }, "claude")),
    ).toHaveProperty("AGENT_TIMEOUT_MINUTES");
  });

  it("reads AGENT_ASSISTANT", () => {
    expect(loadJobAssistant({})).toBeUndefined();
    expect(loadJobAssistant({ AGENT_ASSISTANT: " Codex " })).toBe("codex");
    expect(problems(() => loadJobAssistant({ AGENT_ASSISTANT: "gpt" }))).toEqual({
      AGENT_ASSISTANT: "one of claude, codex",
    });
  });

  it("reads the trigger payload's policy with the receiver's defaults", () => {
    expect(loadTriggerPolicySettings({})).toEqual({
      minAccessLevel: 30,
      allowedBots: [],
      deniedUsers: [],
      allowedUsers: [],
      aliases: {},
      allowedProjects: [],
      allowedGroups: [],
      handleEdits: false,
      bridgeUserId: undefined,
    });
    expect(
      loadTriggerPolicySettings({
        MIN_ACCESS_LEVEL: "maintainer",
        CLAUDE_ALIASES: "@claude-bot",
        ALLOWED_GROUPS: "/Platform/",
        HANDLE_EDITS: "yes",
        BRIDGE_USER_ID: "12",
      }),
    ).toMatchObject({
      minAccessLevel: 40,
      aliases: { claude: ["claude-bot"] },
      allowedGroups: ["platform"],
      handleEdits: true,
      bridgeUserId: 12,
    });
    expect(
      problems(() => loadTriggerPolicySettings({ CLAUDE_ALIASES: "x", CODEX_ALIASES: "x" })),
    ).toHaveProperty("CLAUDE_ALIASES/CODEX_ALIASES");
  });

  it("documents every variable it reads in the help text", () => {
    const help = jobSettingsHelp(["gitlab", "event", "agent", "claude", "codex", "trigger"]);
    for (const doc of JOB_SETTINGS_DOC) expect(help).toContain(doc.name);
    expect(help).toContain("GITLAB_TOKEN (required; secret: masked variable)");
  });
});

describe("job/settings/split-args", () => {
  it.each([
    ["", []],
    ["  --a  b ", ["--a", "b"]],
    [`--p "two words" 'single $HOME' x\\ y`, ["--p", "two words", "single $HOME", "x y"]],
    [`"a\\"b" "\\$x" '\\n'`, [`a"b`, "$x", "\\n"]],
    [`--x=""`, ["--x="]],
    [`""`, [""]],
    ["a;b $(rm -rf /) `id`", ["a;b", "$(rm", "-rf", "/)", "`id`"]],
  ])("splits %j", (text, words) => {
    expect(splitArgs(text)).toEqual(words);
  });

  it.each([`"open`, `'open`, "trailing\\"])("refuses %j", (text) => {
    expect(() => splitArgs(text)).toThrow(SplitArgsError);
  });
});

describe("parseToolList", () => {
  it("splits on commas and blanks outside parentheses", () => {
    expect(parseToolList("Edit,Write  Bash(git diff:*), mcp__agent-bridge__update_progress")).toEqual([
      "Edit",
      "Write",
      "Bash(git diff:*)",
      "mcp__agent-bridge__update_progress",
    ]);
    expect(parseToolList("Bash(unclosed")).toBeUndefined();
    expect(parseToolList("not/a/tool")).toBeUndefined();
  });
});
