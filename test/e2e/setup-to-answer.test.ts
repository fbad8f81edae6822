// End to end, timed: from a project with nothing but a README and a Maintainer's token to an answered
// @claude mention, through `agent-bridge setup` alone. The components come the way the PRD writes them
// (`include: project: agent-bridge/agent-bridge ref: v0.1.0 file: /templates/claude.yml`, with the key as
// CLAUDE_API_KEY), from a sandbox project at a tag; the receiver is `agent-bridge serve` started with the
// settings setup wrote; the job is the sandbox runner's, with the real Claude Code CLI and a scripted model.
// Then the same without any receiver (trigger mode). The figures (seconds from nothing to the answer) are
// printed, not asserted: tests never assert on time.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSetup } from "../../cli/commands/setup.ts";
import { parseEnvFile } from "../../cli/setup/webhook.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startAnthropicModelServer } from "../../sandbox/models/anthropic-server.ts";
import type { ModelServer } from "../../sandbox/models/model-server.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { startServe } from "../support/serve.ts";
import { agentBridgeOnPath, publishComponents } from "./support/components-host.ts";

const CLAUDE_KEY = "sk-ant-setup-e2e-key-0123456789";
const ANSWER = "Yes, I am here and ready to help with this project.";

let sandbox: Sandbox;
let model: ModelServer;
let admin: RestClient;
let maria: SandboxUser;
let dir: string;
let serve: ChildProcess | undefined;

/** A free loopback port for the receiver, known before setup runs so the webhook can name it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "setup-e2e-"));
  await agentBridgeOnPath();
  model = await startAnthropicModelServer({ script: () => [{ text: ANSWER }] });
  sandbox = await startSandbox({ jobTimeoutSeconds: 600 });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  maria = await createUser(admin, "maria");
  await publishComponents(sandbox, dir);
});

afterAll(async () => {
  serve?.kill("SIGTERM");
  await sandbox?.close();
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("agent-bridge setup, end to end", { timeout: 300_000 }, () => {
  it("takes a bare project to an answered @claude mention", async () => {
    const started = Date.now();
    const project = await createProject(admin, { path: "app" });
    await addMember(admin, project.id, maria.id, 40);

    const port = await freePort();
    const envFile = join(dir, "receiver.env");
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const args = [
      "--no-input",
      "--gitlab-url",
      sandbox.url,
      "--project",
      project.path_with_namespace,
      "--include",
      "project",
      "--components-project",
      "agent-bridge/agent-bridge",
      "--version",
      "v0.1.0",
      "--commit",
      "--receiver-url",
      `http://127.0.0.1:${port}/webhook`,
      "--receiver-env",
      envFile,
      // The scripted model stands in for Anthropic's API; not a secret, so a plain (protected) variable.
      "--variable",
      `ANTHROPIC_BASE_URL=${model.url}`,
    ];
    const env = { GITLAB_SETUP_TOKEN: maria.token, CLAUDE_API_KEY: CLAUDE_KEY };

    const first = await runSetup(args, env, io);
    expect(first.code, lines.join("\n")).toBe(0);
    const ci = await admin.ok<{ content: string }>(
      "GET",
      `/projects/${project.id}/repository/files/.gitlab-ci.yml?ref=main`,
    );
    expect(Buffer.from(ci.content, "base64").toString()).toBe(
      "include:\n  - project: agent-bridge/agent-bridge\n    ref: v0.1.0\n    file: /templates/claude.yml\n",
    );

    // The receiver, as a user starts it with the file setup wrote.
    const settings = parseEnvFile(await readFile(envFile, "utf8"));
    serve = (await startServe({ ...settings }, { port })).child;

    // The second run changes nothing, then asks and waits for the answer.
    const second = await runSetup([...args, "--test-mention", "--test-timeout", "240"], env, io);
    const text = lines.join("\n");
    expect(second.code, text).toBe(0);
    expect(text).toMatch(new RegExp(`checked\\s+test mention: @claude answered in [0-9.]+ s: ".*${ANSWER}`));
    const seconds = (Date.now() - started) / 1000;
    console.error(`setup e2e: from a bare project to an answered @claude mention in ${seconds.toFixed(1)} s`);
    for (const secret of [
      maria.token,
      CLAUDE_KEY,
      settings["GITLAB_TOKEN"] ?? "",
      settings["WEBHOOK_SECRET_KEY"] ?? "",
      settings["WEBHOOK_SECRET"] ?? "",
    ].filter((secret) => secret !== "")) {
      // A setting setup did not write (WEBHOOK_SECRET with a per-project key) has no value to look for.
      expect(text).not.toContain(secret);
    }
  });

  // The zero-infrastructure mode: no receiver at all. GitLab's own webhook posts each comment to the pipeline
  // trigger URL (https://docs.gitlab.com/ci/triggers/#use-a-webhook), the pipeline gets the Note Hook as the
  // file-type variable TRIGGER_PAYLOAD (gitlabhq lib/api/ci/triggers.rb, app/services/ci/
  // pipeline_trigger_service.rb), and the component's job reads it, claims the note, posts the placeholder
  // and answers. Every other comment (the placeholder itself, its edits) starts a pipeline that ends quietly.
  it("takes a bare project to an answered @claude mention in trigger mode, with no receiver", async () => {
    const started = Date.now();
    const project = await createProject(admin, { path: "app-triggered" });
    await addMember(admin, project.id, maria.id, 40);
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const args = [
      "--no-input",
      "--gitlab-url",
      sandbox.url,
      "--project",
      project.path_with_namespace,
      "--include",
      "project",
      "--components-project",
      "agent-bridge/agent-bridge",
      "--version",
      "v0.1.0",
      "--commit",
      "--trigger-mode",
      "--variable",
      `ANTHROPIC_BASE_URL=${model.url}`,
      "--test-mention",
      "--test-timeout",
      "240",
    ];
    const env = { GITLAB_SETUP_TOKEN: maria.token, CLAUDE_API_KEY: CLAUDE_KEY };

    const run = await runSetup(args, env, io);
    const text = lines.join("\n");
    expect(run.code, text).toBe(0);
    expect(text).toMatch(new RegExp(`checked\\s+test mention: @claude answered in [0-9.]+ s: ".*${ANSWER}`));
    const seconds = (Date.now() - started) / 1000;
    console.error(
      `setup e2e, trigger mode: from a bare project to an answered @claude mention in ${seconds.toFixed(1)} s`,
    );

    // The answer came through the trigger path: a trigger pipeline whose job read TRIGGER_PAYLOAD.
    const ci = await admin.ok<{ content: string }>(
      "GET",
      `/projects/${project.id}/repository/files/.gitlab-ci.yml?ref=main`,
    );
    expect(Buffer.from(ci.content, "base64").toString()).toContain("trigger_payload: accept");
    await sandbox.idle(); // the pipelines of the placeholder's own notes and edits
    const pipelines = await admin.ok<Array<{ id: number; source: string }>>(
      "GET",
      `/projects/${project.id}/pipelines?per_page=100`,
    );
    expect(pipelines.every((p) => p.source === "trigger")).toBe(true);
    const logs: string[] = [];
    for (const pipeline of pipelines) {
      for (const job of await admin.ok<Array<{ id: number }>>(
        "GET",
        `/projects/${project.id}/pipelines/${pipeline.id}/jobs`,
      )) {
        logs.push(await admin.ok<string>("GET", `/projects/${project.id}/jobs/${job.id}/trace`));
      }
    }
    // One job answered the mention; the pipelines of the bot's own note and its edits ended quietly.
    expect(logs.filter((log) => /event from TRIGGER_PAYLOAD: claude for issue #1/.test(log))).toHaveLength(1);
    const quiet = logs.filter((log) =>
      /agent-bridge run: nothing to do: (note carries the bridge's marker|note edited)/.test(log),
    );
    expect(quiet.length).toBeGreaterThan(0);
    expect(quiet.length + 1).toBe(logs.length);
    const [trigger] = await admin.ok<Array<{ token: string }>>("GET", `/projects/${project.id}/triggers`);
    for (const secret of [maria.token, CLAUDE_KEY, trigger?.token ?? ""]) expect(text).not.toContain(secret);
  });
});
