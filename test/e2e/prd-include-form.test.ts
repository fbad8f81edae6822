// The PRD's include form for Codex, run as written: `include: - project: agent-bridge/agent-bridge ref: v0.1.0
// file: /templates/codex.yml` in the project's .gitlab-ci.yml, OPENAI_API_KEY and (optionally) CODEX_MODEL as
// CI/CD variables, through the sandbox runner's include:, the receiver, the real Codex CLI and a scripted
// model. CODEX_MODEL, a project variable, wins over the component's `model` input (GitLab's precedence: project
// variables above YAML ones) and reaches Codex as its model; without it Codex keeps its own default model.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMarker, parsePlaceholderStatus } from "../../shared/placeholder/marker.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { codexScriptedModel } from "../../sandbox/models/cli-env.ts";
import type { ModelServer } from "../../sandbox/models/model-server.ts";
import { startOpenAIModelServer } from "../../sandbox/models/openai-server.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { settledNote, startServe, type ServeLog } from "../support/serve.ts";
import {
  agentBridgeOnPath,
  COMPONENTS_PROJECT,
  COMPONENTS_TAG,
  publishComponents,
} from "./support/components-host.ts";

const SECRET = "prd-form-webhook-secret";
const OPENAI_KEY = "sk-prd-form-openai-key-0123456789";
const PRD_CODEX_INCLUDE = `include:
  - project: ${COMPONENTS_PROJECT}
    ref: ${COMPONENTS_TAG}
    file: /templates/codex.yml
`;

let sandbox: Sandbox;
let model: ModelServer;
let admin: RestClient;
let bot: SandboxUser;
let dev: SandboxUser;
let dir: string;
let serve: ChildProcess | undefined;
let serveLog: ServeLog;
/** The models the requests to the scripted OpenAI server since `from` asked for. */
function modelsAsked(from: number): string[] {
  return model.requests
    .slice(from)
    .filter((r) => r.url.startsWith("/v1/responses"))
    .map((r) => String((r.body as { model?: unknown }).model));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "prd-form-"));
  await agentBridgeOnPath();
  model = await startOpenAIModelServer({
    script: () => [{ text: "Codex is here." }],
  });
  sandbox = await startSandbox({ jobTimeoutSeconds: 600 });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bot = await createUser(admin, "codex-bot", { bot: true });
  dev = await createUser(admin, "dev");
  await publishComponents(sandbox, dir);
  const started = await startServe({
    GITLAB_URL: sandbox.url,
    GITLAB_TOKEN: bot.token,
    WEBHOOK_SECRET: SECRET,
    BRIDGE_USER_ID: String(bot.id),
  });
  serve = started.child;
  serveLog = started.log;
  (globalThis as { webhookUrl?: string }).webhookUrl = started.webhookUrl;
});

afterAll(async () => {
  serve?.kill("SIGTERM");
  await sandbox?.close();
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

async function projectWith(path: string, variables: Record<string, string>): Promise<number> {
  const project = await createProject(admin, { path, files: { ".gitlab-ci.yml": PRD_CODEX_INCLUDE } });
  await addMember(admin, project.id, bot.id, 40);
  await addMember(admin, project.id, dev.id, 30);
  const all = {
    GITLAB_TOKEN: bot.token,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: model.url,
    ...variables,
  };
  for (const [key, value] of Object.entries(all)) {
    await admin.ok("POST", `/projects/${project.id}/variables`, {
      key,
      value,
      masked: key.endsWith("_KEY") || key === "GITLAB_TOKEN",
      protected: true,
    });
  }
  await admin.ok("POST", `/projects/${project.id}/hooks`, {
    url: (globalThis as { webhookUrl?: string }).webhookUrl,
    token: SECRET,
    note_events: true,
    confidential_note_events: true,
  });
  return project.id;
}

/** A mention of @codex on a new issue; the placeholder's body once the sandbox is idle. */
async function askCodex(projectId: number): Promise<string> {
  const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${projectId}/issues`, {
    title: "Hello",
  });
  const note = await dev.client.ok<{ id: number }>(
    "POST",
    `/projects/${projectId}/issues/${issue.iid}/notes`,
    {
      body: "@codex are you there?",
    },
  );
  // The receiver acknowledges first and serves the mention after; then the pipeline runs.
  await sandbox.idle();
  await serveLog.waitFor(settledNote(note.id));
  await sandbox.idle();
  const notes = await admin.ok<Array<{ body: string; author: { id: number } }>>(
    "GET",
    `/projects/${projectId}/issues/${issue.iid}/notes`,
  );
  const placeholder = notes.find((n) => n.author.id === bot.id && parseMarker(n.body)?.note === note.id);
  return placeholder?.body ?? "(no placeholder)";
}

describe("the PRD's include form for Codex", { timeout: 300_000 }, () => {
  it("runs Codex with CODEX_MODEL when the project sets it", async () => {
    const projectId = await projectWith("with-model", { CODEX_MODEL: codexScriptedModel });
    const from = model.requests.length;
    const answer = await askCodex(projectId);
    expect(answer).toContain("Codex is here.");
    expect(parsePlaceholderStatus(answer)).toBe("done");
    expect(new Set(modelsAsked(from))).toEqual(new Set([codexScriptedModel]));
  });

  it("keeps the Codex CLI's own default model when CODEX_MODEL is not set", async () => {
    const projectId = await projectWith("default-model", {});
    const from = model.requests.length;
    const answer = await askCodex(projectId);
    expect(parsePlaceholderStatus(answer)).toBe("done");
    const asked = modelsAsked(from);
    expect(asked.length).toBeGreaterThan(0);
    // No -m: whatever Codex picks itself (its newest default, which this scripted server answers with a
    // plain text), never the PRD's o4-mini nor the other project's model.
    for (const name of asked) {
      expect(name).not.toBe(codexScriptedModel);
      expect(name).not.toBe("o4-mini");
      expect(name).not.toMatch(/^(undefined)?$/);
    }
  });
});
