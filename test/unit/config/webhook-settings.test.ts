import { describe, expect, it } from "vitest";
import { SettingsError } from "../../../shared/config/settings-error.ts";
import { loadWebhookSettings, WEBHOOK_SETTINGS_DOC } from "../../../shared/config/webhook-settings.ts";

const SIGNING = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
const minimal = {
  GITLAB_URL: "https://gitlab.example.com",
  GITLAB_TOKEN: "glpat-abc",
  WEBHOOK_SECRET: "s3cret",
};

function problems(env: Record<string, string | undefined>): Record<string, string> {
  try {
    loadWebhookSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return Object.fromEntries((error as SettingsError).problems.map((p) => [p.variable, p.expected]));
  }
  throw new Error("expected a SettingsError");
}

describe("shared/config/webhook-settings", () => {
  it("applies the documented defaults", () => {
    expect(loadWebhookSettings(minimal)).toEqual({
      gitlabUrl: "https://gitlab.example.com",
      gitlabToken: "glpat-abc",
      webhookSecrets: ["s3cret"],
      webhookSecretKeys: [],
      webhookSigningKey: undefined,
      minAccessLevel: 30,
      allowedBots: [],
      deniedUsers: [],
      allowedUsers: [],
      aliases: {},
      enabledAssistants: ["claude", "codex"],
      allowedProjects: [],
      allowedGroups: [],
      dispatchMode: "pipeline",
      dispatchEventAs: "variables",
      triggerToken: undefined,
      triggerTokens: {},
      pipelineRef: undefined,
      claimGraceSeconds: 120,
      bridgeUserId: undefined,
      handleEdits: false,
      issuableTriggers: ["mention", "assignee", "reviewer", "label"],
      triggerLabels: { claude: ["claude"], codex: ["codex"] },
      assignmentAssistant: "claude",
      autoReview: "off",
      autoReviewProjects: [],
      maxBodyBytes: 1_048_576,
      deadlineMs: 7_000,
      signatureToleranceSeconds: 300,
    });
  });

  it("reads every variable", () => {
    const settings = loadWebhookSettings({
      GITLAB_URL: " https://example.com/gitlab/ ",
      GITLAB_TOKEN: "glpat-abc\n",
      WEBHOOK_SECRET: "new, old ,",
      WEBHOOK_SIGNING_SECRET: SIGNING,
      MIN_ACCESS_LEVEL: "Maintainer",
      CLAUDE_ALIASES: "@claude-bot, helper",
      CODEX_ALIASES: "codex.bot",
      ENABLED_ASSISTANTS: "codex",
      ALLOWED_PROJECTS: "Group/App, 42",
      ALLOWED_GROUPS: "/platform/",
      DISPATCH_MODE: "trigger",
      DISPATCH_EVENT_AS: "inputs",
      TRIGGER_TOKEN: "glptt-all",
      TRIGGER_TOKENS: '{"Group/App":"glptt-app","7":"glptt-7"}',
      PIPELINE_REF: "release/2.x",
      CLAIM_GRACE_SECONDS: "60",
      BRIDGE_USER_ID: "1234",
      HANDLE_EDITS: "yes",
      MAX_BODY_BYTES: "2048",
      DEADLINE_MS: "5000",
      SIGNATURE_TOLERANCE_SECONDS: "60",
    });
    expect(settings).toMatchObject({
      gitlabUrl: "https://example.com/gitlab",
      gitlabToken: "glpat-abc",
      webhookSecrets: ["new", "old"],
      minAccessLevel: 40,
      aliases: { claude: ["claude-bot", "helper"], codex: ["codex.bot"] },
      enabledAssistants: ["codex"],
      allowedProjects: ["group/app", "42"],
      allowedGroups: ["platform"],
      dispatchMode: "trigger",
      dispatchEventAs: "inputs",
      triggerToken: "glptt-all",
      triggerTokens: { "group/app": "glptt-app", "7": "glptt-7" },
      pipelineRef: "release/2.x",
      claimGraceSeconds: 60,
      bridgeUserId: 1234,
      handleEdits: true,
      maxBodyBytes: 2048,
      deadlineMs: 5000,
      signatureToleranceSeconds: 60,
    });
    expect(Buffer.from(settings.webhookSigningKey ?? []).toString()).toBe("0123456789abcdef0123456789abcdef");
  });

  it.each([
    ["guest", 10],
    ["planner", 15],
    ["reporter", 20],
    ["developer", 30],
    ["owner", 50],
    ["25", 25],
  ])("MIN_ACCESS_LEVEL=%s is %i", (value, level) => {
    expect(loadWebhookSettings({ ...minimal, MIN_ACCESS_LEVEL: value }).minAccessLevel).toBe(level);
  });

  it("lists every missing required variable at once", () => {
    expect(problems({})).toEqual({
      GITLAB_URL: expect.stringContaining("required"),
      GITLAB_TOKEN: expect.stringContaining("required"),
      WEBHOOK_SECRET: expect.stringContaining("required"),
    });
  });

  it("takes blank values as unset", () => {
    expect(problems({ GITLAB_URL: "  ", GITLAB_TOKEN: "", WEBHOOK_SECRET: " , " })).toHaveProperty(
      "GITLAB_URL",
    );
  });

  it("needs no WEBHOOK_SECRET when a signing secret is set", () => {
    const settings = loadWebhookSettings({
      ...minimal,
      WEBHOOK_SECRET: undefined,
      WEBHOOK_SIGNING_SECRET: SIGNING,
    });
    expect(settings.webhookSecrets).toEqual([]);
  });

  it("needs no WEBHOOK_SECRET with per-project secrets, whose keys are long, and keeps them in order", () => {
    const key = "k".repeat(32);
    const settings = loadWebhookSettings({
      ...minimal,
      WEBHOOK_SECRET: undefined,
      WEBHOOK_SECRET_KEY: ` ${key}, ${"o".repeat(40)} `,
    });
    expect(settings.webhookSecrets).toEqual([]);
    expect(settings.webhookSecretKeys).toEqual([key, "o".repeat(40)]);
    const found = problems({ ...minimal, WEBHOOK_SECRET_KEY: "short" });
    expect(found).toEqual({ WEBHOOK_SECRET_KEY: expect.stringMatching(/at least 32 characters/) });
    expect(JSON.stringify(found)).not.toContain("short");
  });

  it.each([
    ["GITLAB_URL", "gitlab.example.com", "http or https URL"],
    ["GITLAB_URL", "ftp://gitlab.example.com", "http or https URL"],
    ["GITLAB_URL", "https://gitlab.example.com/api/v4", "without /api/v4"],
    ["GITLAB_URL", "https://user:pw@gitlab.example.com", "without query, fragment or credentials"],
    ["GITLAB_TOKEN", "glpat abc", "without spaces"],
    ["WEBHOOK_SIGNING_SECRET", "c2VjcmV0c2VjcmV0c2VjcmV0", "whsec_"],
    ["WEBHOOK_SIGNING_SECRET", "whsec_c2hvcnQ=", "at least 16 bytes"],
    ["WEBHOOK_SIGNING_SECRET", "whsec_not base64!!", "whsec_"],
    ["MIN_ACCESS_LEVEL", "admin", "guest, planner, reporter, developer, maintainer, owner"],
    ["MIN_ACCESS_LEVEL", "5", "from 10 to 50"],
    ["MIN_ACCESS_LEVEL", "60", "from 10 to 50"],
    ["CLAUDE_ALIASES", "claude bot", "GitLab usernames"],
    ["CODEX_ALIASES", "co/dex", "GitLab usernames"],
    ["ENABLED_ASSISTANTS", "claude,gpt", "claude, codex"],
    ["ENABLED_ASSISTANTS", ",", "non-empty"],
    ["ALLOWED_PROJECTS", "group//app", "project paths"],
    ["ALLOWED_GROUPS", "grp evil", "group paths"],
    ["DISPATCH_MODE", "webhook", "trigger, pipeline"],
    ["DISPATCH_EVENT_AS", "env", "variables, inputs"],
    ["TRIGGER_TOKENS", "{not json", "not valid JSON"],
    ["TRIGGER_TOKENS", '["glptt-1"]', "JSON object"],
    ["TRIGGER_TOKENS", '{"g/app":""}', "JSON object"],
    ["TRIGGER_TOKENS", '{"g/app":5}', "JSON object"],
    ["TRIGGER_TOKENS", "{}", "JSON object"],
    ["PIPELINE_REF", "feature..x", "branch name"],
    ["PIPELINE_REF", "has space", "branch name"],
    ["CLAIM_GRACE_SECONDS", "-1", "from 0 to 86400"],
    ["CLAIM_GRACE_SECONDS", "two", "whole number"],
    ["BRIDGE_USER_ID", "0", "numeric id"],
    ["BRIDGE_USER_ID", "bridge", "numeric id"],
    ["HANDLE_EDITS", "maybe", "true or false"],
    ["ISSUABLE_TRIGGERS", "mention,comment", "mention, assignee, reviewer, label"],
    ["CLAUDE_LABELS", "a<b", "label names"],
    ["ASSIGNMENT_ASSISTANT", "gpt", "claude, codex"],
    ["MAX_BODY_BYTES", "10", "from 1024"],
    ["DEADLINE_MS", "1.5", "whole number"],
    ["DEADLINE_MS", "600000", "to 60000"],
    ["SIGNATURE_TOLERANCE_SECONDS", "0", "from 1"],
  ])("%s=%j: says it expects %s", (variable, value, expected) => {
    const found = problems({ ...minimal, [variable]: value });
    expect(Object.keys(found)).toEqual([variable]);
    expect(found[variable]).toContain(expected);
  });

  it("reads the Issue and Merge Request Hook triggers: lists, none, the assignment assistant", () => {
    const settings = loadWebhookSettings({
      ...minimal,
      ISSUABLE_TRIGGERS: "Mention, reviewer",
      CLAUDE_LABELS: "AI Fix, claude",
      CODEX_LABELS: "none",
      ASSIGNMENT_ASSISTANT: "Codex",
    });
    expect(settings.issuableTriggers).toEqual(["mention", "reviewer"]);
    expect(settings.triggerLabels).toEqual({ claude: ["ai fix", "claude"], codex: [] });
    expect(settings.assignmentAssistant).toBe("codex");
    expect(loadWebhookSettings({ ...minimal, ISSUABLE_TRIGGERS: "none" }).issuableTriggers).toEqual([]);
  });

  it("refuses an alias that would summon two assistants", () => {
    const found = problems({ ...minimal, CLAUDE_ALIASES: "helper", CODEX_ALIASES: "Helper" });
    expect(found["CLAUDE_ALIASES/CODEX_ALIASES"]).toContain("claimed by both");
  });

  it("needs a trigger token in trigger mode", () => {
    expect(problems({ ...minimal, DISPATCH_MODE: "trigger" })).toEqual({
      TRIGGER_TOKEN: expect.stringContaining("required when DISPATCH_MODE=trigger"),
    });
    expect(
      loadWebhookSettings({ ...minimal, DISPATCH_MODE: "trigger", TRIGGER_TOKENS: '{"1":"t"}' })
        .triggerTokens,
    ).toEqual({
      "1": "t",
    });
  });

  it("lists several problems in one message, one line per variable, never a value", () => {
    const secretLooking = "glpat super secret value";
    let message = "";
    try {
      loadWebhookSettings({
        ...minimal,
        GITLAB_TOKEN: secretLooking,
        WEBHOOK_SIGNING_SECRET: "whsec_!!secret!!",
        TRIGGER_TOKENS: '{"a": "glptt-secret-trigger", oops}',
        DEADLINE_MS: "forever",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "The webhook settings are not valid:",
      expect.stringMatching(/^ {2}GITLAB_TOKEN: /),
      expect.stringMatching(/^ {2}WEBHOOK_SIGNING_SECRET: /),
      expect.stringMatching(/^ {2}TRIGGER_TOKENS: /),
      expect.stringMatching(/^ {2}DEADLINE_MS: /),
      "Fix these environment variables and start again.",
    ]);
    for (const secret of ["super secret", "!!secret!!", "glptt-secret-trigger", "forever"]) {
      expect(message).not.toContain(secret);
    }
  });

  it("reads only its own variables", () => {
    expect(() => loadWebhookSettings({ ...minimal, PATH: "/bin", UNRELATED: "x" })).not.toThrow();
  });

  it("documents exactly the variables it reads, each with a description", () => {
    const names = WEBHOOK_SETTINGS_DOC.map((doc) => doc.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        "GITLAB_URL",
        "GITLAB_TOKEN",
        "WEBHOOK_SECRET",
        "WEBHOOK_SIGNING_SECRET",
        "MIN_ACCESS_LEVEL",
        "ALLOWED_BOTS",
        "DENIED_USERS",
        "ALLOWED_USERS",
        "CLAUDE_ALIASES",
        "CODEX_ALIASES",
        "ENABLED_ASSISTANTS",
        "ALLOWED_PROJECTS",
        "ALLOWED_GROUPS",
        "DISPATCH_MODE",
        "DISPATCH_EVENT_AS",
        "TRIGGER_TOKEN",
        "TRIGGER_TOKENS",
        "PIPELINE_REF",
        "CLAIM_GRACE_SECONDS",
        "BRIDGE_USER_ID",
        "HANDLE_EDITS",
        "ISSUABLE_TRIGGERS",
        "CLAUDE_LABELS",
        "CODEX_LABELS",
        "ASSIGNMENT_ASSISTANT",
        "AUTO_REVIEW",
        "AUTO_REVIEW_PROJECTS",
        "MAX_BODY_BYTES",
        "DEADLINE_MS",
        "SIGNATURE_TOLERANCE_SECONDS",
        "WEBHOOK_SECRET_KEY",
      ]),
    );
    expect(names).toHaveLength(31);
    for (const doc of WEBHOOK_SETTINGS_DOC) expect(doc.description.length).toBeGreaterThan(10);
    // Every variable the loader reports on is documented, and the required ones are the ones marked so.
    expect(Object.keys(problems({})).every((name) => names.includes(name))).toBe(true);
    expect(WEBHOOK_SETTINGS_DOC.filter((d) => d.required).map((d) => d.name)).toEqual(
      Object.keys(problems({})),
    );
  });

  it("documents defaults that match the loader's", () => {
    const settings = loadWebhookSettings(minimal);
    const doc = Object.fromEntries(WEBHOOK_SETTINGS_DOC.map((d) => [d.name, d.default]));
    expect(doc["CLAIM_GRACE_SECONDS"]).toBe(String(settings.claimGraceSeconds));
    expect(doc["MAX_BODY_BYTES"]).toBe(String(settings.maxBodyBytes));
    expect(doc["DEADLINE_MS"]).toBe(String(settings.deadlineMs));
    expect(doc["SIGNATURE_TOLERANCE_SECONDS"]).toBe(String(settings.signatureToleranceSeconds));
    expect(doc["ENABLED_ASSISTANTS"]).toBe(settings.enabledAssistants.join(","));
    expect(doc["DISPATCH_MODE"]).toBe(settings.dispatchMode);
    expect(doc["DISPATCH_EVENT_AS"]).toBe(settings.dispatchEventAs);
    expect(doc["HANDLE_EDITS"]).toBe(String(settings.handleEdits));
  });
});
