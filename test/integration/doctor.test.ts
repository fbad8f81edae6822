// `agent-bridge doctor` against the sandbox over real HTTP, run in process: a project set up as the
// quickstart says, one with GitLab.com's new-project defaults and a Guest bot, one half done, and the usage
// errors. Every output is also checked for the secrets the setup used: none may ever be printed.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../cli/commands/doctor.ts";
import { commands } from "../../cli/commands/index.ts";
import { runChecks } from "../../cli/doctor/run-checks.ts";
import type { CheckId, CheckResult, CheckStatus } from "../../cli/doctor/types.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { createGitLabClient } from "../../shared/gitlab/client.ts";
import { deriveWebhookSecret } from "../../shared/webhook/scoped-secrets.ts";
import { startServe } from "../support/serve.ts";

const ANTHROPIC_KEY = "sk-ant-doctor-test-value-1234";
const OPENAI_KEY = "sk-openai-doctor-test-value-5678";
const TRIGGER_TOKEN = "glptt-doctor-hook-secret-9999";

const BOTH_COMPONENTS = `include:
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@0.1.0
`;
const CLAUDE_ONLY = `include:
  - component: $CI_SERVER_FQDN/tools/agent-bridge/claude@0.1.0
`;

let sandbox: Sandbox;
let admin: RestClient;
let bot: SandboxUser;
let secrets: string[];

interface JsonReport {
  ok: boolean;
  summary: Record<CheckStatus, number>;
  project: string;
  bot: { id: number; username: string } | null;
  assistants: string[];
  assistantsFrom: string;
  checks: CheckResult[];
}

async function doctor(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDoctor(
    args,
    { GITLAB_URL: sandbox.url, GITLAB_TOKEN: bot.token, ...env },
    { out: (text) => out.push(text), err: (text) => err.push(text) },
  );
  const result = { code, out: out.join("\n"), err: err.join("\n") };
  for (const secret of secrets) {
    expect(result.out).not.toContain(secret);
    expect(result.err).not.toContain(secret);
  }
  return result;
}

async function doctorJson(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; report: JsonReport; check: (id: CheckId) => CheckResult }> {
  const { code, out } = await doctor([...args, "--json"], env);
  // One JSON object and nothing else on stdout.
  const report = JSON.parse(out) as JsonReport;
  // Every problem comes with what to change; nothing ok does.
  for (const c of report.checks) {
    if (c.status === "ok") expect(c.fix).toEqual([]);
    else expect(c.fix.length).toBeGreaterThan(0);
  }
  const check = (id: CheckId): CheckResult => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id} in ${out}`);
    return found;
  };
  return { code, report, check };
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bot = await createUser(admin, "claude-bot", { bot: true });
  secrets = [sandbox.adminToken, bot.token, ANTHROPIC_KEY, OPENAI_KEY, TRIGGER_TOKEN];

  // As the quickstart says: components included, masked variables, a comment webhook.
  const healthy = await createProject(admin, {
    path: "healthy",
    files: { ".gitlab-ci.yml": BOTH_COMPONENTS },
  });
  await addMember(admin, healthy.id, bot.id, 40);
  for (const [key, value] of [
    ["GITLAB_TOKEN", bot.token],
    ["CLAUDE_API_KEY", ANTHROPIC_KEY],
    ["OPENAI_API_KEY", OPENAI_KEY],
  ] as const) {
    await admin.ok("POST", `/projects/${healthy.id}/variables`, {
      key,
      value,
      masked: true,
      protected: true,
    });
  }
  await admin.ok("POST", `/projects/${healthy.id}/hooks`, {
    url: "https://receiver.example.com/webhook",
    token: "hook-secret",
    note_events: true,
    confidential_note_events: true,
    push_events: false,
  });

  // GitLab.com's new-project default, a Guest bot, no webhook, no CI file.
  const broken = await createProject(admin, { path: "broken" });
  await admin.ok("PUT", `/projects/${broken.id}`, {
    ci_pipeline_variables_minimum_override_role: "no_one_allowed",
  });
  await addMember(admin, broken.id, bot.id, 10);

  // Half done: Claude only, an unmasked token, no OpenAI key, a webhook for pushes to the trigger API.
  const half = await createProject(admin, { path: "half", files: { ".gitlab-ci.yml": CLAUDE_ONLY } });
  await addMember(admin, half.id, bot.id, 40);
  await admin.ok("POST", `/projects/${half.id}/variables`, { key: "GITLAB_TOKEN", value: bot.token });
  await admin.ok("POST", `/projects/${half.id}/variables`, {
    key: "ANTHROPIC_API_KEY",
    value: ANTHROPIC_KEY,
    masked: true,
  });
  await admin.ok("POST", `/projects/${half.id}/hooks`, {
    url: `${sandbox.url}/api/v4/projects/${half.id}/trigger/pipeline?token=${TRIGGER_TOKEN}&ref=main`,
    push_events: true,
  });

  // Automatic reviews in merge request pipelines (no receiver): the token protected, the key not.
  const mrReview = await createProject(admin, {
    path: "mr-review",
    files: {
      ".gitlab-ci.yml":
        "include:\n  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0\n    inputs:\n      merge_request_pipelines: review\n",
    },
  });
  await addMember(admin, mrReview.id, bot.id, 40);
  for (const [key, value, isProtected] of [
    ["GITLAB_TOKEN", bot.token, true],
    ["CLAUDE_API_KEY", ANTHROPIC_KEY, false],
  ] as const) {
    await admin.ok("POST", `/projects/${mrReview.id}/variables`, {
      key,
      value,
      masked: true,
      protected: isProtected,
    });
  }
});

afterAll(async () => {
  await sandbox?.close();
});

describe("agent-bridge doctor on a project set up as the quickstart says", () => {
  it("finds every check ok and exits 0", async () => {
    const { code, report, check } = await doctorJson(["--project", "root/healthy"]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.bot).toEqual({ id: bot.id, username: "claude-bot" });
    expect(report.assistants).toEqual(["claude", "codex"]);
    expect(report.assistantsFrom).toBe("ci-file");
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ["token", "ok"],
      ["project", "ok"],
      ["access", "ok"],
      ["pipeline-variables", "ok"],
      ["ci-variables", "ok"],
      ["webhook", "ok"],
      ["ci-file", "ok"],
    ]);
    expect(report.summary).toEqual({ ok: 7, warn: 0, fail: 0 });
    expect(report.checks.every((c) => c.fix.length === 0)).toBe(true);
    expect(check("token").finding).toContain("@claude-bot");
    expect(check("token").finding).toContain("api");
    expect(check("access").finding).toContain("Maintainer (40)");
    expect(check("ci-variables").finding).toBe(
      "GITLAB_TOKEN masked; CLAUDE_API_KEY masked; OPENAI_API_KEY masked",
    );
    expect(check("webhook").finding).toContain("https://receiver.example.com/webhook");
  });

  it("prints a table that says so, with --gitlab-url instead of GITLAB_URL", async () => {
    const { code, out, err } = await doctor(
      ["--project", "root/healthy", "--gitlab-url", `${sandbox.url}/`],
      { GITLAB_URL: undefined },
    );
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toContain(`agent-bridge doctor: root/healthy on ${sandbox.url} as @claude-bot`);
    expect(out).toMatch(/^ {2}ok {4}pipeline variables {2}pipeline variables need at least developer/m);
    expect(out).toContain("All 7 checks ok.");
    expect(out).not.toMatch(/WARN|FAIL/);
  });
});

describe("agent-bridge doctor and the hook's secret, read from GitLab's delivery log", () => {
  // GitLab never shows a hook's token again (API::Entities::ProjectHook has none), but the hook events API
  // lists each delivery with the receiver's answer (API::Hooks::Events, WebHookLog#response_status).
  it("fails the webhook check while a real receiver refuses the hook's secret (another project's), and passes once it is the project's own", async () => {
    const key = "doctor-per-project-key-0123456789abcdef";
    const project = await createProject(admin, { path: "secret-check" });
    await addMember(admin, project.id, bot.id, 40);
    const serve = await startServe({
      GITLAB_URL: sandbox.url,
      GITLAB_TOKEN: bot.token,
      WEBHOOK_SECRET_KEY: key,
      BRIDGE_USER_ID: String(bot.id),
      SWEEP_INTERVAL_SECONDS: "0",
    });
    try {
      const wrong = deriveWebhookSecret(key, { projectId: project.id + 1 });
      const right = deriveWebhookSecret(key, { projectId: project.id });
      secrets.push(wrong, right, key);
      const hook = await admin.ok<{ id: number }>("POST", `/projects/${project.id}/hooks`, {
        url: serve.webhookUrl,
        token: wrong,
        note_events: true,
        confidential_note_events: true,
      });
      const issue = await admin.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, { title: "t" });
      const comment = async () => {
        await admin.ok("POST", `/projects/${project.id}/issues/${issue.iid}/notes`, { body: "a comment" });
        await sandbox.idle();
      };
      await comment();
      const refused = await doctorJson(["--project", "root/secret-check"]);
      expect(refused.check("webhook")).toMatchObject({
        status: "fail",
        finding: expect.stringContaining("with 401"),
      });
      expect(refused.check("webhook").fix.join("\n")).toContain(
        `agent-bridge webhook-secret --project ${project.id}`,
      );

      await admin.ok("PUT", `/projects/${project.id}/hooks/${hook.id}`, {
        url: serve.webhookUrl,
        token: right,
      });
      await comment();
      const accepted = await doctorJson(["--project", "root/secret-check"]);
      expect(accepted.check("webhook").status).toBe("ok");
    } finally {
      serve.child.kill("SIGTERM");
    }
  });
});

describe("agent-bridge doctor on a new GitLab.com-like project with a Guest bot and no webhook", () => {
  it("fails the bot's access and the pipeline variables, warns about the rest, each with its fix", async () => {
    const { code, report, check } = await doctorJson(["--project", "root/broken"]);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.assistants).toEqual(["claude", "codex"]);
    expect(report.assistantsFrom).toBe("default");
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ["token", "ok"],
      ["project", "ok"],
      ["access", "fail"],
      ["pipeline-variables", "fail"],
      ["ci-variables", "warn"],
      ["webhook", "warn"],
      ["ci-file", "warn"],
    ]);

    const access = check("access");
    expect(access.finding).toContain("@claude-bot is Guest (10)");
    expect(access.finding).toContain("Developer (30)");
    expect(access.fix.join("\n")).toContain("Manage > Members");
    expect(access.fix.join("\n")).toContain(`/api/v4/projects/`);
    expect(access.fix.join("\n")).toContain("access_level=30");
    expect(access.fix.join("\n")).toContain("role is fixed"); // a bot user: its token's role

    const variables = check("pipeline-variables");
    expect(variables.finding).toContain("no_one_allowed");
    expect(variables.finding).toContain("Insufficient permissions to set pipeline variables");
    const fix = variables.fix.join("\n");
    expect(fix).toContain("Settings > CI/CD > Variables > Minimum role to use pipeline variables: Developer");
    expect(fix).toContain("?ci_pipeline_variables_minimum_override_role=developer");
    expect(fix).toContain("curl --request PUT");
    expect(fix).toContain("DISPATCH_EVENT_AS=inputs");
    expect(fix).toContain("agent_bridge_event");

    const ciVariables = check("ci-variables");
    expect(ciVariables.finding).toContain("cannot list the project's CI/CD variables");
    expect(ciVariables.finding).toContain("Maintainers");
    for (const key of ["GITLAB_TOKEN", "CLAUDE_API_KEY or ANTHROPIC_API_KEY", "OPENAI_API_KEY"]) {
      expect(ciVariables.finding).toContain(key);
    }
    expect(ciVariables.fix.join("\n")).toContain("masked=true");

    expect(check("webhook").finding).toContain("cannot list the project's webhooks");
    expect(check("webhook").fix.join("\n")).toContain("note_events=true");
    expect(check("webhook").fix.join("\n")).toContain("confidential_note_events=true");
    expect(check("ci-file").finding).toContain("cannot read .gitlab-ci.yml on main");
    expect(check("ci-file").fix.join("\n")).toContain("/claude@<version>");
  });

  it("shows the failures and their fixes in the table", async () => {
    const { code, out } = await doctor(["--project", "root/broken"]);
    expect(code).toBe(1);
    expect(out).toMatch(/^ {2}FAIL {2}bot's access/m);
    expect(out).toMatch(/^ {2}FAIL {2}pipeline variables/m);
    expect(out).toMatch(/^ {2}WARN {2}webhook/m);
    expect(out).toMatch(/^ +→ UI: Settings > CI\/CD > Variables > Minimum role/m);
    expect(out).toContain("2 failed, 3 warnings, 2 ok");
  });

  it("passes the pipeline-variables check when the receiver sends the event as an input", async () => {
    const { code, check } = await doctorJson(["--project", "root/broken"], { DISPATCH_EVENT_AS: "inputs" });
    expect(check("pipeline-variables").status).toBe("ok");
    expect(check("pipeline-variables").finding).toContain("does not block");
    expect(code).toBe(1); // the Guest bot still fails
  });

  it("fails it with a trigger token, inputs or not: every trigger pipeline carries TRIGGER_PAYLOAD", async () => {
    // Ci::PipelineTriggerService adds the request as the pipeline variable TRIGGER_PAYLOAD to every trigger
    // pipeline (gitlabhq app/services/ci/pipeline_trigger_service.rb), which no_one_allowed refuses.
    const { check } = await doctorJson(["--project", "root/broken"], {
      DISPATCH_MODE: "trigger",
      DISPATCH_EVENT_AS: "inputs",
    });
    const variables = check("pipeline-variables");
    expect(variables.status).toBe("fail");
    expect(variables.finding).toContain("TRIGGER_PAYLOAD");
    expect(variables.fix.join("\n")).toContain("DISPATCH_MODE=pipeline");
    expect(variables.fix.join("\n")).not.toContain("DISPATCH_EVENT_AS=inputs");
  });
});

describe("agent-bridge doctor where GitLab hides the pipeline-variables setting", () => {
  it("warns that it cannot tell, with the fixes, when the project answer lacks the setting", async () => {
    // GitLab shows ci_pipeline_variables_minimum_override_role to Maintainers only; the sandbox shows it to
    // everyone, so this drops it from the real answer the way GitLab would for a Developer bot.
    const client = createGitLabClient({
      baseUrl: sandbox.url,
      token: bot.token,
      fetch,
      now: Date.now,
      sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
    });
    const hiding: GitLabRequester = {
      async request(method, path, options) {
        const answer = await client.request(method, path, options);
        if (!/^\/projects\/[^/]+$/.test(path)) return answer;
        const { ci_pipeline_variables_minimum_override_role: _hidden, ...rest } = answer as Record<
          string,
          unknown
        >;
        return rest as typeof answer;
      },
    };
    const report = await runChecks(hiding, {
      gitlabUrl: sandbox.url,
      project: "root/broken",
      assistants: undefined,
      dispatchMode: "pipeline",
      dispatchEventAs: "variables",
      pipelineRef: undefined,
      now: Date.now,
    });
    const check = report.checks.find((c) => c.id === "pipeline-variables");
    expect(check?.status).toBe("warn");
    expect(check?.finding).toContain("cannot read ci_pipeline_variables_minimum_override_role");
    expect(check?.fix.join("\n")).toContain("ci_pipeline_variables_minimum_override_role=developer");
    expect(check?.fix.join("\n")).toContain("DISPATCH_EVENT_AS=inputs");
  });
});

describe("agent-bridge doctor on a half-done project", () => {
  it("checks the assistants the CI file includes when --assistant is not given", async () => {
    const { code, report, check } = await doctorJson(["--project", "root/half"]);
    expect(report.assistants).toEqual(["claude"]);
    expect(report.assistantsFrom).toBe("ci-file");
    const variables = check("ci-variables");
    expect(variables.status).toBe("warn");
    expect(variables.finding).toBe(
      "GITLAB_TOKEN is not masked: its value would show in job logs; ANTHROPIC_API_KEY masked",
    );
    expect(variables.fix.join("\n")).toContain(`/variables/GITLAB_TOKEN`);
    expect(check("ci-file").status).toBe("ok");
    expect(check("ci-file").finding).toContain("includes the claude component");

    // A webhook to the trigger API carries its token in the URL: listed, but without it.
    const webhook = check("webhook");
    expect(webhook.status).toBe("warn");
    expect(webhook.finding).toContain("do not send comments");
    expect(webhook.finding).toContain("/trigger/pipeline?token=REDACTED&ref=REDACTED");
    expect(code).toBe(0); // warnings only
  });

  // GitLab passes protected variables only to pipelines of protected refs (docs ci/variables/#protect-a-cicd-variable):
  // a merge request pipeline of an ordinary branch would run without the token.
  it("with merge_request_pipelines on: fails a protected token, and says an unprotected key is readable by every branch", async () => {
    const { check } = await doctorJson(["--project", "root/mr-review"]);
    const variables = check("ci-variables");
    expect(variables.status).toBe("fail");
    expect(variables.finding).toContain(
      "GITLAB_TOKEN is protected, but merge_request_pipelines: review runs in merge request pipelines of unprotected branches",
    );
    expect(variables.finding).toContain(
      "CLAUDE_API_KEY is unprotected, as merge_request_pipelines: review needs",
    );
    expect(variables.fix.join("\n")).toContain("protected=false");
  });

  it("fails a missing model key and warns about a component the CI file lacks, with --assistant both", async () => {
    const { code, check } = await doctorJson(["--project", "root/half", "--assistant", "both"]);
    expect(code).toBe(1);
    const variables = check("ci-variables");
    expect(variables.status).toBe("fail");
    expect(variables.finding).toContain("OPENAI_API_KEY is missing");
    expect(variables.fix.join("\n")).toContain("key=OPENAI_API_KEY");
    expect(variables.fix.join("\n")).toContain("value=<OpenAI API key>");
    const ciFile = check("ci-file");
    expect(ciFile.status).toBe("warn");
    expect(ciFile.finding).toContain("no agent-bridge component for codex");
    expect(ciFile.fix.join("\n")).toContain("/codex@<version>");
  });

  it("fails a CI file without the agent_bridge_event input when the receiver sends inputs", async () => {
    const { code, check } = await doctorJson(["--project", "root/half"], { DISPATCH_EVENT_AS: "inputs" });
    expect(code).toBe(1);
    expect(check("ci-file").status).toBe("fail");
    expect(check("ci-file").finding).toContain("does not declare the agent_bridge_event input");
    expect(check("ci-file").fix.join("\n")).toContain("spec:");
  });
});

describe("agent-bridge doctor when it cannot get far", () => {
  it("fails the token check alone for a wrong token, without printing it", async () => {
    const wrong = "glpat-not-a-real-token-000";
    secrets.push(wrong);
    try {
      const { code, report } = await doctorJson(["--project", "root/healthy"], { GITLAB_TOKEN: wrong });
      expect(code).toBe(1);
      expect(report.checks).toHaveLength(1);
      expect(report.checks[0]).toMatchObject({ id: "token", status: "fail" });
      expect(report.checks[0]?.finding).toContain("401");
      expect(report.bot).toBeNull();
    } finally {
      secrets.pop();
    }
  });

  it("says how to reach a project the bot cannot see", async () => {
    const { code, check, report } = await doctorJson(["--project", "root/nowhere"]);
    expect(code).toBe(1);
    expect(report.checks.map((c) => c.id)).toEqual(["token", "project"]);
    expect(check("project").finding).toContain('sees no project "root/nowhere"');
    expect(check("project").fix.join("\n")).toContain("Invite members: @claude-bot");
  });

  it("reports an unreachable GitLab as a failed token check", async () => {
    const { code, report } = await doctorJson(["--project", "root/healthy"], {
      GITLAB_URL: "http://127.0.0.1:9",
    });
    expect(code).toBe(1);
    expect(report.checks[0]?.finding).toContain("could not reach GitLab at http://127.0.0.1:9");
  });
});

describe("agent-bridge doctor's usage", () => {
  it("is a registered command", () => {
    expect(commands.some((c) => c.name === "doctor")).toBe(true);
  });

  it("explains itself with --help and exits 0", async () => {
    const { code, out } = await doctor(["--help"]);
    expect(code).toBe(0);
    for (const word of [
      "--project",
      "--assistant",
      "--json",
      "--gitlab-url",
      "GITLAB_TOKEN",
      "DISPATCH_EVENT_AS",
    ]) {
      expect(out).toContain(word);
    }
  });

  it.each([
    [[], {}, "--project is required"],
    [["--project", "root/healthy"], { GITLAB_TOKEN: undefined }, "GITLAB_TOKEN is required"],
    [["--project", "root/healthy"], { GITLAB_URL: undefined }, "GITLAB_URL (or --gitlab-url) is required"],
    [["--project", "root/healthy"], { GITLAB_URL: "gitlab.example.com" }, "http or https URL"],
    [["--project", "root/healthy"], { GITLAB_URL: "https://gitlab.example.com/api/v4" }, "without /api/v4"],
    [["--project", "root/healthy", "--assistant", "gpt"], {}, 'expects claude, codex or both, got "gpt"'],
    [
      ["--project", "root/healthy"],
      { DISPATCH_EVENT_AS: "env" },
      "DISPATCH_EVENT_AS expects variables or inputs",
    ],
    [["--project", "root/healthy", "--verbose"], {}, "--verbose"],
  ] as const)("exits 2 for %j %j", async (args, env, message) => {
    const { code, out, err } = await doctor([...args], env);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(message);
    expect(err).toContain("agent-bridge doctor --help");
  });
});
