// The whole product on one machine: the sandbox GitLab with its runner, `agent-bridge serve` receiving its
// webhooks, the project's .gitlab-ci.yml including the real CI components as a user writes it (`include:
// component:` from the sandbox's agent-bridge/agent-bridge project at tag 0.1.0), `agent-bridge run` executed by the
// runner, and the real `claude` and `codex` CLIs answering to scripted models. Scenarios pick their script by
// a tag in the note (`[scenario:name]`), so one pair of model servers serves every test.
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../../sandbox/admin-client.ts";
import { startAnthropicModelServer } from "../../../sandbox/models/anthropic-server.ts";
import { codexScriptedModel } from "../../../sandbox/models/cli-env.ts";
import type { ModelServer } from "../../../sandbox/models/model-server.ts";
import { startOpenAIModelServer } from "../../../sandbox/models/openai-server.ts";
import type { ScriptRequest, Turn } from "../../../sandbox/models/script.ts";
import { startSandbox, type Sandbox } from "../../../sandbox/server.ts";
import { AGENT_BRIDGE_BIN, settledNote, startServe } from "../../support/serve.ts";

export const WEBHOOK_SECRET = "e2e-webhook-secret";
export const MODEL_KEYS = {
  anthropic: "sk-ant-e2e-model-key-0123456789",
  openai: "sk-e2e-openai-key-0123456789",
};

/** One scenario's script for one assistant: the reply for each turn, from the request the CLI sent. */
export type ScenarioScript = (turn: number, request: { text: string; workdir: string }) => Turn | undefined;

export interface World {
  sandbox: Sandbox;
  admin: RestClient;
  bot: SandboxUser;
  dev: SandboxUser;
  projectId: number;
  projectPath: string;
  scenarios: Map<string, { claude?: ScenarioScript; codex?: ScenarioScript }>;
  state(): Promise<SandboxStateView>;
  /** Waits until the receiver is done with the note, then until the sandbox (its pipelines) is idle. */
  served(noteId: number): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxStateView {
  notes: Array<{
    id: number;
    body: string;
    author_id: number;
    noteable_type: string;
    noteable_iid: number;
    discussion_id: string;
    type: string | null;
    position: unknown;
  }>;
  merge_requests: Array<{
    iid: number;
    source_branch: string;
    target_branch: string;
    description: string;
    title: string;
    project_id: number;
  }>;
  pipelines: Array<{ id: number; status: string; project_id: number }>;
  jobs: Array<{
    id: number;
    name: string;
    status: string;
    trace: string;
    pipeline_id: number;
    failure_reason: string | null;
  }>;
  award_emoji: Array<{ awardable_id: number; name: string }>;
}

export const CI_CONFIG = `include:
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0
    inputs:
      agent_timeout_minutes: 3
      job_timeout_minutes: 6
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@0.1.0
    inputs:
      agent_timeout_minutes: 3
      job_timeout_minutes: 6
`;

const SCENARIO_TAG = /\[scenario:([a-z0-9-]+)\]/;
const WORKDIR = /Primary working directory: (\/[^\s"\\]+)/;

function scriptFor(world: { scenarios: World["scenarios"] }, assistant: "claude" | "codex") {
  return (request: ScriptRequest): Turn | undefined => {
    const text = JSON.stringify(request.body);
    const name = SCENARIO_TAG.exec(text)?.[1];
    const script = name === undefined ? undefined : world.scenarios.get(name)?.[assistant];
    if (!script) return [{ text: "No scenario matched this request." }];
    return script(request.turnIndex, { text, workdir: WORKDIR.exec(text)?.[1] ?? "" });
  };
}

/** The components' project as an instance hosts it: agent-bridge/agent-bridge, public, templates/ at 0.1.0. */
async function publishComponents(admin: RestClient): Promise<void> {
  const group = await admin.ok<{ id: number }>("POST", "/groups", {
    name: "agent-bridge",
    path: "agent-bridge",
  });
  const templates = new URL("../../../templates/", import.meta.url);
  const files: Record<string, string> = {};
  for (const name of ["claude.yml", "codex.yml"]) {
    files[`templates/${name}`] = await readFile(new URL(name, templates), "utf8");
  }
  const project = await createProject(admin, { path: "agent-bridge", namespace: String(group.id), files });
  await admin.ok("PUT", `/projects/${project.id}`, { visibility: "public" });
  await admin.ok("POST", `/projects/${project.id}/repository/tags`, { tag_name: "0.1.0", ref: "main" });
}

export async function startWorld(options: { files?: Record<string, string> } = {}): Promise<World> {
  const scenarios: World["scenarios"] = new Map();
  const binDir = await mkdtemp(join(tmpdir(), "e2e-bin-"));
  // The components run `agent-bridge`; in the sandbox's shell runner that is this checkout.
  await writeFile(
    join(binDir, "agent-bridge"),
    `#!/bin/sh\nexec "${process.execPath}" "${AGENT_BRIDGE_BIN}" "$@"\n`,
  );
  await chmod(join(binDir, "agent-bridge"), 0o755);
  process.env["PATH"] = `${binDir}:${process.env["PATH"] ?? ""}`;

  const claudeModel: ModelServer = await startAnthropicModelServer({
    script: scriptFor({ scenarios }, "claude"),
  });
  const codexModel: ModelServer = await startOpenAIModelServer({ script: scriptFor({ scenarios }, "codex") });
  const sandbox = await startSandbox({ jobTimeoutSeconds: 600 });
  const admin = new RestClient(sandbox.url, sandbox.adminToken);
  const bot = await createUser(admin, "agent-bridge-bot", { bot: true });
  const dev = await createUser(admin, "dev");
  await publishComponents(admin);
  const project = await createProject(admin, {
    path: "app",
    files: {
      ".gitlab-ci.yml": CI_CONFIG,
      "src/greeting.js": 'export const greeting = "hello old world";\n',
      "CLAUDE.md": "# Rules\nKeep the greeting lowercase.\n",
      ...options.files,
    },
  });
  await addMember(admin, project.id, bot.id, 30);
  await addMember(admin, project.id, dev.id, 30);
  const variables: Record<string, string> = {
    GITLAB_TOKEN: bot.token,
    ANTHROPIC_API_KEY: MODEL_KEYS.anthropic,
    ANTHROPIC_BASE_URL: claudeModel.url,
    OPENAI_API_KEY: MODEL_KEYS.openai,
    OPENAI_BASE_URL: codexModel.url,
    CODEX_MODEL: codexScriptedModel,
    // The scripted model is not in the price table: the project's own prices give the placeholder a cost.
    CODEX_PRICE_USD_PER_MTOK: "2,0.5,8",
    CLAUDE_MODEL: "claude-sonnet-4-5",
  };
  for (const [key, value] of Object.entries(variables)) {
    await admin.ok("POST", `/projects/${project.id}/variables`, {
      key,
      value,
      masked: value.length >= 8 && !value.includes(":"),
    });
  }
  const started = await startServe({
    GITLAB_URL: sandbox.url,
    GITLAB_TOKEN: bot.token,
    WEBHOOK_SECRET,
    BRIDGE_USER_ID: String(bot.id),
  }).then(async (s) => {
    await admin.ok("POST", `/projects/${project.id}/hooks`, {
      url: s.webhookUrl,
      token: WEBHOOK_SECRET,
      note_events: true,
      confidential_note_events: true,
    });
    return s;
  });
  const serve: ChildProcess = started.child;

  return {
    sandbox,
    admin,
    bot,
    dev,
    projectId: project.id,
    projectPath: project.path_with_namespace,
    scenarios,
    async state() {
      const res = await fetch(`${sandbox.url}/-/sandbox/state`, {
        headers: { "PRIVATE-TOKEN": sandbox.adminToken },
      });
      return (await res.json()) as SandboxStateView;
    },
    async served(noteId) {
      await sandbox.idle();
      await started.log.waitFor(settledNote(noteId));
      await sandbox.idle();
    },
    async close() {
      serve.kill("SIGTERM");
      await sandbox.close();
      await claudeModel.close();
      await codexModel.close();
      await rm(binDir, { recursive: true, force: true });
    },
  };
}
