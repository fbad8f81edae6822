// `agent-bridge setup` against the sandbox over real HTTP, run in process: from a Maintainer's token to a
// project the doctor passes, then a re-run that changes nothing; the merge-request, pipeline-input and
// trigger modes; and bad input (a read_api token, a missing project, a branch protected against the bot)
// stopping with the fix before anything was made. No output may ever hold a secret setup was given or made.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassThrough, Writable } from "node:stream";
import { runSetup } from "../../cli/commands/setup.ts";
import { createPrompter } from "../../cli/setup/prompt.ts";
import { planCiFile } from "../../cli/setup/ci-config.ts";
import { parseEnvFile } from "../../cli/setup/webhook.ts";
import { deriveWebhookSecret } from "../../shared/webhook/scoped-secrets.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";

const CLAUDE_KEY = "sk-ant-setup-test-key-0123456789";
const OPENAI_KEY = "sk-setup-openai-key-0123456789";
const RECEIVER = "https://bridge.example.com/webhook";

let sandbox: Sandbox;
let admin: RestClient;
let maria: SandboxUser;
let dir: string;

interface Variable {
  key: string;
  value: string;
  masked: boolean;
  protected: boolean;
}

async function setup(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string; outcomes: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const result = await runSetup(
    ["--gitlab-url", sandbox.url, "--no-input", ...args],
    { GITLAB_SETUP_TOKEN: maria.token, CLAUDE_API_KEY: CLAUDE_KEY, ...env },
    { out: (line) => out.push(line), err: (line) => err.push(line) },
  );
  const text = { out: out.join("\n"), err: err.join("\n") };
  const made: string[] = [];
  for (const v of await admin
    .ok<Variable[]>(
      "GET",
      `/projects/${encodeURIComponent(args[args.indexOf("--project") + 1] ?? "")}/variables`,
    )
    .catch(() => [])) {
    if (v.key === "GITLAB_TOKEN") made.push(v.value);
  }
  for (const secret of [maria.token, CLAUDE_KEY, OPENAI_KEY, ...made]) {
    expect(text.out).not.toContain(secret);
    expect(text.err).not.toContain(secret);
  }
  const outcomes = out.filter((l) => /^ {2}\w/.test(l)).map((l) => l.trim().split(/\s+/)[0] ?? "");
  return { code: result.code, ...text, outcomes };
}

/** The secret tokens of the project's hooks, from the sandbox's own state (GitLab's API never shows them). */
async function hookTokens(projectId: number): Promise<string[]> {
  const res = await fetch(`${sandbox.url}/-/sandbox/state`, {
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
  const state = (await res.json()) as { projects: Array<{ id: number; hooks: Array<{ token: string }> }> };
  return state.projects.find((p) => p.id === projectId)?.hooks.map((h) => h.token) ?? [];
}

async function newProject(path: string, files: Record<string, string> = {}) {
  const project = await createProject(admin, { path, files });
  await addMember(admin, project.id, maria.id, 40);
  return project;
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  maria = await createUser(admin, "maria");
  dir = await mkdtemp(join(tmpdir(), "setup-test-"));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe("agent-bridge setup", () => {
  it("takes a project from nothing to a passing doctor, and a re-run changes nothing", async () => {
    const project = await newProject("fresh", { "build.sh": "make\n" });
    const envFile = join(dir, "fresh.env");
    const args = [
      "--project",
      project.path_with_namespace,
      "--receiver-url",
      RECEIVER,
      "--commit",
      "--receiver-env",
      envFile,
    ];
    const first = await setup(args);
    expect(first.err).toBe("");
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/created\s+bot: project access token "agent-bridge" \(@project_\d+_bot_/);
    expect(first.out).toMatch(/checked\s+doctor: /);

    // The bot: a project access token user, Maintainer, whose token is the masked, protected GITLAB_TOKEN.
    const variables = await admin.ok<Variable[]>("GET", `/projects/${project.id}/variables`);
    const byKey = new Map(variables.map((v) => [v.key, v]));
    expect(byKey.get("CLAUDE_API_KEY")).toMatchObject({ value: CLAUDE_KEY, masked: true, protected: true });
    const botToken = byKey.get("GITLAB_TOKEN");
    expect(botToken).toMatchObject({ masked: true, protected: true });
    const bot = await new RestClient(sandbox.url, botToken?.value ?? "").ok<{ id: number; bot: boolean }>(
      "GET",
      "/user",
    );
    expect(bot.bot).toBe(true);
    const member = await admin.ok<{ access_level: number }>(
      "GET",
      `/projects/${project.id}/members/all/${bot.id}`,
    );
    expect(member.access_level).toBe(40);
    const tokens = await admin.ok<Array<{ scopes: string[]; active: boolean }>>(
      "GET",
      `/projects/${project.id}/access_tokens`,
    );
    expect(tokens).toEqual([expect.objectContaining({ scopes: ["api", "write_repository"], active: true })]);

    // The include block, committed; the webhook; the receiver's settings, for its owner only.
    const ci = await admin.ok<{ content: string }>(
      "GET",
      `/projects/${project.id}/repository/files/.gitlab-ci.yml?ref=main`,
    );
    expect(Buffer.from(ci.content, "base64").toString()).toBe(
      "include:\n  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0\n",
    );
    // Comments for mentions; Issues, Confidential issues and Merge request events for the receiver's issue
    // and merge request triggers (the project webhook API's *_events flags,
    // https://docs.gitlab.com/api/project_webhooks/#add-a-webhook-to-a-project).
    const hooks = await admin.ok<Array<Record<string, unknown>>>("GET", `/projects/${project.id}/hooks`);
    expect(hooks).toEqual([
      expect.objectContaining({
        url: RECEIVER,
        note_events: true,
        confidential_note_events: true,
        issues_events: true,
        confidential_issues_events: true,
        merge_requests_events: true,
        push_events: false,
      }),
    ]);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const receiver = parseEnvFile(await readFile(envFile, "utf8"));
    expect(receiver).toEqual({
      GITLAB_URL: sandbox.url,
      GITLAB_TOKEN: botToken?.value,
      WEBHOOK_SECRET_KEY: expect.stringMatching(/^[0-9a-f]{64}$/),
      BRIDGE_USER_ID: String(bot.id),
    });
    // The hook carries this project's own secret, derived from the key, never a shared one.
    expect(await hookTokens(project.id)).toEqual([
      deriveWebhookSecret(receiver["WEBHOOK_SECRET_KEY"] ?? "", { projectId: project.id }),
    ]);

    const again = await setup(args);
    expect(again.code, again.out).toBe(0);
    expect(
      again.outcomes.filter((o) => o === "created" || o === "updated"),
      again.out,
    ).toEqual([]);
    expect(again.out).toContain("nothing needed a change");
    expect(await admin.ok<unknown[]>("GET", `/projects/${project.id}/access_tokens`)).toHaveLength(1);
    expect(await admin.ok<unknown[]>("GET", `/projects/${project.id}/hooks`)).toHaveLength(1);
  });

  it("keeps a receiver on its shared WEBHOOK_SECRET, and moves the hook to its own secret once a key is given", async () => {
    const project = await newProject("shared-secret");
    const envFile = join(dir, "shared.env");
    const args = ["--project", project.path_with_namespace, "--receiver-url", RECEIVER, "--commit"];
    const shared = "an-older-shared-secret";
    const first = await setup([...args, "--receiver-env", envFile], { WEBHOOK_SECRET: shared });
    expect(first.code, first.out).toBe(0);
    expect(first.out).not.toContain(shared);
    expect(await hookTokens(project.id)).toEqual([shared]);
    expect(parseEnvFile(await readFile(envFile, "utf8"))).toMatchObject({ WEBHOOK_SECRET: shared });

    const key = "a-key-for-per-project-secrets-0123456789";
    const moved = await setup([...args, "--receiver-env", envFile], { WEBHOOK_SECRET_KEY: key });
    expect(moved.code, moved.out).toBe(0);
    expect(moved.out).toMatch(/updated\s+webhook: .*this project's own secret set/);
    expect(moved.out).not.toContain(key);
    expect(await hookTokens(project.id)).toEqual([deriveWebhookSecret(key, { projectId: project.id })]);
    // The shared secret stays in the receiver's settings while other projects' hooks may carry it.
    expect(parseEnvFile(await readFile(envFile, "utf8"))).toMatchObject({
      WEBHOOK_SECRET: shared,
      WEBHOOK_SECRET_KEY: key,
    });
  });

  it("proposes the include block in a merge request, once", async () => {
    const project = await newProject("by-mr", { ".gitlab-ci.yml": "# our build\nbuild:\n  script: make\n" });
    const args = [
      "--project",
      project.path_with_namespace,
      "--assistant",
      "both",
      "--receiver-env",
      join(dir, "mr.env"),
    ];
    const first = await setup(args, { OPENAI_API_KEY: OPENAI_KEY });
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/created\s+include block: merge request \S+\/merge_requests\/1 /);
    const mrs = await admin.ok<Array<{ iid: number; source_branch: string; target_branch: string }>>(
      "GET",
      `/projects/${project.id}/merge_requests`,
    );
    expect(mrs).toEqual([
      expect.objectContaining({ source_branch: "agent-bridge/setup", target_branch: "main" }),
    ]);
    const proposed = await admin.ok<{ content: string }>(
      "GET",
      `/projects/${project.id}/repository/files/.gitlab-ci.yml?ref=agent-bridge%2Fsetup`,
    );
    expect(Buffer.from(proposed.content, "base64").toString()).toBe(
      "# our build\nbuild:\n  script: make\ninclude:\n  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0\n  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@0.1.0\n",
    );
    const again = await setup(args, { OPENAI_API_KEY: OPENAI_KEY });
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/unchanged\s+include block: merge request .* already proposes it/);
    expect(await admin.ok<unknown[]>("GET", `/projects/${project.id}/merge_requests`)).toHaveLength(1);
  });

  it("passes the event as a pipeline input where pipeline variables are blocked", async () => {
    const project = await newProject("blocked");
    await admin.ok("PUT", `/projects/${project.id}`, {
      ci_pipeline_variables_minimum_override_role: "no_one_allowed",
    });
    const envFile = join(dir, "blocked.env");
    const run = await setup([
      "--project",
      project.path_with_namespace,
      "--receiver-url",
      RECEIVER,
      "--commit",
      "--receiver-env",
      envFile,
    ]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain("pipeline variables are blocked for the bot");
    const ci = await admin.ok<{ content: string }>(
      "GET",
      `/projects/${project.id}/repository/files/.gitlab-ci.yml?ref=main`,
    );
    expect(Buffer.from(ci.content, "base64").toString()).toBe(
      [
        "spec:",
        "  inputs:",
        "    agent_bridge_event:",
        '      default: ""',
        "---",
        "include:",
        "  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0",
        "    inputs:",
        "      agent_bridge_event: $[[ inputs.agent_bridge_event ]]",
        "",
      ].join("\n"),
    );
    expect(parseEnvFile(await readFile(envFile, "utf8"))["DISPATCH_EVENT_AS"]).toBe("inputs");
  });

  it("connects the trigger mode: a trigger token and a webhook to the trigger API", async () => {
    const project = await newProject("triggered");
    const run = await setup(["--project", project.path_with_namespace, "--trigger-mode", "--commit"]);
    expect(run.code, run.out).toBe(0);
    const triggers = await admin.ok<Array<{ token: string; description: string }>>(
      "GET",
      `/projects/${project.id}/triggers`,
    );
    expect(triggers).toHaveLength(1);
    const hooks = await admin.ok<Array<{ url: string }>>("GET", `/projects/${project.id}/hooks`);
    expect(hooks.map((h) => h.url)).toEqual([
      `${sandbox.url}/api/v4/projects/${project.id}/ref/main/trigger/pipeline?token=${triggers[0]?.token}`,
    ]);
    expect(run.out).not.toContain(triggers[0]?.token);
    const ci = await admin.ok<{ content: string }>(
      "GET",
      `/projects/${project.id}/repository/files/.gitlab-ci.yml?ref=main`,
    );
    expect(Buffer.from(ci.content, "base64").toString()).toContain("trigger_payload: accept");
    const again = await setup(["--project", project.path_with_namespace, "--trigger-mode", "--commit"]);
    expect(
      again.outcomes.filter((o) => o === "created" || o === "updated"),
      again.out,
    ).toEqual([]);
  });

  it("in trigger mode, lets the trigger's owner set pipeline variables, or stops when only an Owner could", async () => {
    // TRIGGER_PAYLOAD is a pipeline variable the trigger's owner sets (gitlabhq
    // app/services/ci/pipeline_trigger_service.rb), so no_one_allowed would refuse every comment's pipeline.
    const blocked = await newProject("triggered-blocked");
    await admin.ok("PUT", `/projects/${blocked.id}`, {
      ci_pipeline_variables_minimum_override_role: "no_one_allowed",
    });
    const stopped = await setup(["--project", blocked.path_with_namespace, "--trigger-mode", "--commit"]);
    expect(stopped.code).toBe(1);
    expect(stopped.out).toContain("stopped at event transport");
    expect(stopped.out).toContain("only an Owner may lower it");
    expect(stopped.out).toContain("--receiver-url");
    expect(await admin.ok<unknown[]>("GET", `/projects/${blocked.id}/access_tokens`)).toEqual([]);

    await admin.ok("PUT", `/projects/${blocked.id}/members/${maria.id}`, { access_level: 50 });
    const run = await setup(["--project", blocked.path_with_namespace, "--trigger-mode", "--commit"]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/updated\s+event transport: .*no_one_allowed → maintainer/);
    const project = await admin.ok<{ ci_pipeline_variables_minimum_override_role: string }>(
      "GET",
      `/projects/${blocked.id}`,
    );
    expect(project.ci_pipeline_variables_minimum_override_role).toBe("maintainer");
  });

  describe("stops on bad input with the fix, having made nothing", () => {
    async function nothingMade(projectId: number): Promise<void> {
      expect(await admin.ok<unknown[]>("GET", `/projects/${projectId}/access_tokens`)).toEqual([]);
      expect(await admin.ok<unknown[]>("GET", `/projects/${projectId}/variables`)).toEqual([]);
      expect(await admin.ok<unknown[]>("GET", `/projects/${projectId}/hooks`)).toEqual([]);
      expect(await admin.ok<unknown[]>("GET", `/projects/${projectId}/merge_requests`)).toEqual([]);
    }

    it("a token without the api scope", async () => {
      const project = await newProject("scoped");
      const readOnly = await admin.ok<{ token: string }>(
        "POST",
        `/users/${maria.id}/personal_access_tokens`,
        { name: "ro", scopes: ["read_api"] },
      );
      const run = await setup(["--project", project.path_with_namespace, "--receiver-url", RECEIVER], {
        GITLAB_SETUP_TOKEN: readOnly.token,
      });
      expect(run.code).toBe(1);
      expect(run.out).toContain("stopped at preflight: your token has the scopes read_api, not api");
      expect(run.out).toContain("→ Make a personal access token with the api scope");
      expect(run.out).not.toContain(readOnly.token);
      await nothingMade(project.id);
    });

    it("a project that does not exist", async () => {
      const run = await setup(["--project", "nobody/nothing", "--receiver-url", RECEIVER]);
      expect(run.code).toBe(1);
      expect(run.out).toContain("project nobody/nothing does not exist, or @maria cannot see it");
    });

    it("a default branch protected against the bot", async () => {
      const project = await newProject("guarded");
      // GitLab's default protection: Maintainers push and merge; a Developer bot could run no pipeline on main.
      const run = await setup([
        "--project",
        project.path_with_namespace,
        "--receiver-url",
        RECEIVER,
        "--bot-role",
        "developer",
      ]);
      expect(run.code).toBe(1);
      expect(run.out).toContain("main is protected against the bot");
      expect(run.out).toContain(
        '→ UI: Settings > Repository > Protected branches > main: "Allowed to merge" Maintainers',
      );
      expect(run.out).toContain("→ Or run setup with --bot-role maintainer");
      await nothingMade(project.id);
    });

    it("a secret as a flag, and missing settings without a terminal", async () => {
      const run = await setup(["--project", "x/y", "--variable", "OPENAI_API_KEY=sk-nope-12345678"]);
      expect(run.code).toBe(2);
      expect(run.err).toContain("--variable OPENAI_API_KEY: secrets never go on the command line");
      const bare = await runSetup(["--no-input"], {}, { out: () => {}, err: () => {} });
      expect(bare.code).toBe(2);
    });
  });
});

describe("agent-bridge setup in a terminal", () => {
  it("asks for what is missing, secrets without echo, and goes on as with flags", async () => {
    const project = await newProject("asked");
    const input = new PassThrough();
    const shown: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        shown.push(chunk.toString());
        done();
      },
    });
    const prompter = createPrompter(input, output);
    // What a person types, one answer a line, in the order setup asks.
    const answers = [
      sandbox.url,
      project.path_with_namespace,
      maria.token,
      "claude",
      RECEIVER,
      "n",
      CLAUDE_KEY,
    ];
    for (const answer of answers) input.write(`${answer}\n`);
    const out: string[] = [];
    const result = await runSetup(
      ["--commit", "--receiver-env", join(dir, "asked.env")],
      {},
      { out: (line) => out.push(line), err: (line) => out.push(line), prompter },
    );
    prompter.close();
    expect(result.code, out.join("\n")).toBe(0);
    const screen = shown.join("");
    expect(screen).toContain("GitLab URL [https://gitlab.com]: ");
    expect(screen).toContain("Your GitLab token (a Maintainer's, with the api scope) (not shown): ");
    expect(screen).toContain("CLAUDE_API_KEY for claude (empty: keep the project's) (not shown): ");
    expect(screen).not.toContain(maria.token);
    expect(screen).not.toContain(CLAUDE_KEY);
    const variables = await admin.ok<Variable[]>("GET", `/projects/${project.id}/variables`);
    expect(variables.find((v) => v.key === "CLAUDE_API_KEY")?.value).toBe(CLAUDE_KEY);
    expect(await admin.ok<Array<{ url: string }>>("GET", `/projects/${project.id}/hooks`)).toEqual([
      expect.objectContaining({ url: RECEIVER }),
    ]);
  });
});

describe("the include block setup writes", () => {
  const plan = {
    assistants: ["claude", "codex"] as const,
    source: { form: "project" as const, project: "tools/agent-bridge", ref: "v0.1.0" },
    eventAsInput: false,
    triggerPayload: false,
  };

  it("uses the PRD's project form, and keeps what the file already has", () => {
    const edit = planCiFile("include: ci/lint.yml\n", plan);
    expect(edit).toEqual({
      ok: true,
      changed: true,
      summary: ["added the claude component", "added the codex component"],
      content: [
        "include:",
        "  - ci/lint.yml",
        "  - project: tools/agent-bridge",
        "    ref: v0.1.0",
        "    file: /templates/claude.yml",
        "  - project: tools/agent-bridge",
        "    ref: v0.1.0",
        "    file: /templates/codex.yml",
        "",
      ].join("\n"),
    });
    if (!edit.ok) return;
    expect(planCiFile(edit.content, plan)).toMatchObject({ ok: true, changed: false });
  });

  it("refuses a file it cannot read as GitLab would", () => {
    expect(planCiFile("include: [\n", plan)).toMatchObject({ ok: false });
    expect(planCiFile("- a\n- b\n", plan)).toEqual({
      ok: false,
      problem: "its top level is not a mapping of keys",
    });
  });
});
