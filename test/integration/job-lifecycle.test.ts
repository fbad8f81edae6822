// The placeholder's whole life against the sandbox GitLab, through the real CLI where it matters:
// `agent-bridge finalize` turns a placeholder left "working" into an error and leaves a finished one alone;
// `agent-bridge run` with a bad setting writes the problem (never a value) into the placeholder; SIGTERM
// while the run waits on GitLab leaves the placeholder failed; and an in-process run with the real steps
// (context, workspace, rules, prompt, tool bridge, publish) and a stand-in agent opens a merge request.
// The real CLIs driven by scripted models, through real pipelines, are the end-to-end suite's.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { finalizeJob } from "../../entrypoints/finalize.ts";
import { renderSucceeded, renderWorking } from "../../shared/placeholder/job-text.ts";
import type { JobSteps } from "../../job/run-types.ts";
import { runJob } from "../../entrypoints/run.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startAnthropicModelServer } from "../../sandbox/models/anthropic-server.ts";
import { claudeBin, codexBin } from "../../sandbox/models/cli-env.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { parseMarker, parsePlaceholderStatus } from "../../shared/placeholder/marker.ts";
import { renderPlaceholder } from "../../shared/placeholder/receiver-text.ts";
import { encodeBridgeEvent, type BridgeEvent } from "../../shared/webhook/bridge-event.ts";
import { cloneUrl, git } from "../support/git.ts";

const BIN = fileURLToPath(new URL("../../bin/agent-bridge.js", import.meta.url));
const API_KEY = "sk-ant-api03-lifecycle-canary-0123456789";

let sandbox: Sandbox;
let admin: RestClient;
let bot: SandboxUser;
let dev: SandboxUser;
let project: { id: number; path_with_namespace: string; default_branch: string };
const scratch: string[] = [];

interface NoteAnswer {
  id: number;
  body: string;
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bot = await createUser(admin, "lifecycle-bot", { bot: true });
  dev = await createUser(admin, "dana");
  project = await createProject(dev.client, {
    path: "lifecycle",
    files: { "CLAUDE.md": "Be careful.\n", "src/app.ts": "export const answer = 41;\n" },
  });
  await addMember(admin, project.id, bot.id, 30);
});

afterAll(async () => {
  await sandbox?.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/-/sandbox/faults`, {
    method: "DELETE",
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
});

/** An issue, a mention on it by the developer, and the bot's placeholder with `body`. */
async function mention(placeholderBody: (triggerNoteId: number) => string) {
  const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, {
    title: "The answer is wrong",
    description: "It should be 42.",
  });
  const trigger = await dev.client.ok<NoteAnswer>(
    "POST",
    `/projects/${project.id}/issues/${issue.iid}/notes`,
    {
      body: "@claude please fix the answer",
    },
  );
  const placeholder = await bot.client.ok<NoteAnswer>(
    "POST",
    `/projects/${project.id}/issues/${issue.iid}/notes`,
    { body: placeholderBody(trigger.id) },
  );
  const event: BridgeEvent = {
    assistant: "claude",
    projectId: project.id,
    projectPath: project.path_with_namespace,
    noteableType: "Issue",
    noteableIid: issue.iid,
    noteId: trigger.id,
    discussionId: null,
    placeholderNoteId: placeholder.id,
    authorId: dev.id,
    authorUsername: dev.username,
    instruction: "@claude please fix the answer",
    confidential: false,
  };
  const read = async () =>
    (
      await bot.client.ok<NoteAnswer>(
        "GET",
        `/projects/${project.id}/issues/${issue.iid}/notes/${placeholder.id}`,
      )
    ).body;
  return { issue, trigger, placeholder, event, read };
}

function jobEnv(
  event: BridgeEvent | null,
  jobId: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: tmpdir(),
    CI_SERVER_URL: sandbox.url,
    CI_API_V4_URL: `${sandbox.url}/api/v4`,
    CI_PROJECT_ID: String(project.id),
    CI_PROJECT_PATH: project.path_with_namespace,
    CI_PROJECT_DIR: join(tmpdir(), "agent-bridge-lifecycle-nonexistent"),
    CI_DEFAULT_BRANCH: project.default_branch,
    CI_JOB_ID: String(jobId),
    CI_JOB_URL: `${sandbox.url}/${project.path_with_namespace}/-/jobs/${jobId}`,
    CI_PIPELINE_URL: `${sandbox.url}/${project.path_with_namespace}/-/pipelines/1`,
    CI_JOB_TOKEN: "glcbt-job-token-not-for-notes-0000",
    GITLAB_TOKEN: bot.token,
    CLAUDE_API_KEY: API_KEY,
    ...(event ? { AGENT_BRIDGE_EVENT: encodeBridgeEvent(event) } : {}),
    ...extra,
  };
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(
  args: string[],
  env: Record<string, string>,
  onStart?: (kill: () => void) => void,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    onStart?.(() => child.kill("SIGTERM"));
  });
}

/** A CI checkout as GitLab leaves it: the default branch, detached, origin with another token. */
async function ciCheckout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "job-lifecycle-ci-"));
  scratch.push(dir);
  await git(
    dir,
    "clone",
    "-q",
    cloneUrl(sandbox.url, dev.token, project.path_with_namespace, "gitlab-ci-token"),
    ".",
  );
  await git(dir, "checkout", "-q", "--detach");
  return dir;
}

/**
 * A PATH with the pinned `claude` and a `bwrap` (Claude Code's env scrub runs commands in bubblewrap; the
 * Codex package ships one when the machine has none); undefined when socat or bwrap cannot be found.
 */
async function cliPath(): Promise<string | undefined> {
  const path = [dirname(claudeBin), process.env["PATH"] ?? ""].join(delimiter);
  const has = (program: string) =>
    path.split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, program)));
  if (!has("socat")) return undefined;
  if (has("bwrap")) return path;
  const vendor = join(dirname(codexBin), "..", "@openai", "codex-linux-x64", "vendor");
  const bundled = (existsSync(vendor) ? readdirSync(vendor) : [])
    .map((triple) => join(vendor, triple, "codex-resources", "bwrap"))
    .find((candidate) => existsSync(candidate));
  if (bundled === undefined) return undefined;
  const bin = await mkdtemp(join(tmpdir(), "job-lifecycle-bwrap-"));
  scratch.push(bin);
  await symlink(bundled, join(bin, "bwrap"));
  return [bin, path].join(delimiter);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("agent-bridge finalize", () => {
  it("marks a placeholder still working as failed, with the job link and why, once", async () => {
    const { event, read } = await mention((note) =>
      renderWorking({
        assistant: "claude",
        triggerNoteId: note,
        askedBy: "dana",
        jobUrl: `${sandbox.url}/${project.path_with_namespace}/-/jobs/501`,
      }),
    );
    const env = jobEnv(event, 501, { CI_JOB_STATUS: "canceled" });
    const first = await cli(["finalize"], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("was still working: marked failed");
    const body = await read();
    expect(parsePlaceholderStatus(body)).toBe("failed");
    expect(parseMarker(body)).toEqual({ kind: "placeholder", assistant: "claude", note: event.noteId });
    expect(body).toContain("the job was canceled before the run finished.");
    expect(body).toContain(`[Job log](${sandbox.url}/${project.path_with_namespace}/-/jobs/501)`);
    expect(body).not.toContain(bot.token);

    // Idempotent: a second run leaves it as it is.
    const second = await cli(["finalize"], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("already failed; left alone");
    expect(await read()).toBe(body);
  });

  it("leaves a finished placeholder alone", async () => {
    const done = (note: number) =>
      renderSucceeded(
        { assistant: "claude", triggerNoteId: note, askedBy: "dana", jobUrl: `${sandbox.url}/x/-/jobs/502` },
        { text: "Fixed.", publish: { kind: "none" }, durationMs: 1_000 },
      );
    const { event, read } = await mention(done);
    const before = await read();
    const lines: string[] = [];
    const result = await finalizeJob({
      env: jobEnv(event, 502, { CI_JOB_STATUS: "success" }),
      log: (l) => lines.push(l),
    });
    expect(result).toMatchObject({ action: "left-alone", placeholderNoteId: event.placeholderNoteId });
    expect(await read()).toBe(before);
  });

  it("finalizes the receiver's placeholder when the job died before touching it, and tells a timeout", async () => {
    const { event, read } = await mention((note) =>
      renderPlaceholder({ assistant: "claude", note, askedBy: "dana" }),
    );
    const result = await finalizeJob({
      env: jobEnv(event, 503, {
        CI_JOB_STATUS: "failed",
        CI_JOB_TIMEOUT: "600",
        CI_JOB_STARTED_AT: new Date(Date.now() - 601_000).toISOString(),
      }),
      log: () => undefined,
    });
    expect(result.action).toBe("marked-failed");
    const body = await read();
    expect(parsePlaceholderStatus(body)).toBe("failed");
    expect(body).toContain("the job timed out (after 10m 00s) before the run finished.");
  });

  it("leaves a placeholder another job is working on alone", async () => {
    const { event, read } = await mention((note) =>
      renderWorking({ assistant: "claude", triggerNoteId: note, jobUrl: `${sandbox.url}/x/-/jobs/600` }),
    );
    const before = await read();
    const result = await finalizeJob({
      env: jobEnv(event, 601, { CI_JOB_STATUS: "failed" }),
      log: () => undefined,
    });
    expect(result.action).toBe("left-alone");
    expect(await read()).toBe(before);
  });

  it("never fails the job, even without settings", async () => {
    const run = await cli(["finalize"], { PATH: process.env["PATH"] ?? "" });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("cannot reach GitLab");
  });
});

describe("agent-bridge run", () => {
  it("writes a settings error into the placeholder, naming variables and never a value", async () => {
    const { event, read } = await mention((note) =>
      renderPlaceholder({ assistant: "claude", note, askedBy: "dana" }),
    );
    const secret = "sk-ant-api03-do-not-show-this-value";
    const run = await cli(
      ["run"],
      jobEnv(event, 701, {
        CLAUDE_API_KEY: `${secret} with blanks`,
        AGENT_PUSH_MODE: "yolo",
        AGENT_TIMEOUT_MINUTES: "forever",
      }),
    );
    expect(run.code).toBe(1);
    const body = await read();
    expect(parsePlaceholderStatus(body)).toBe("failed");
    expect(body).toContain("The job settings are not valid:");
    expect(body).toContain("AGENT_PUSH_MODE: one of auto, commit, amend");
    expect(body).toContain("AGENT_TIMEOUT_MINUTES:");
    expect(body).toContain("CLAUDE_API_KEY:");
    expect(body).toContain(`${sandbox.url}/${project.path_with_namespace}/-/jobs/701`);
    expect(body).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  });

  it("ends quietly when the event is for the other assistant", async () => {
    const { event, read } = await mention((note) =>
      renderPlaceholder({ assistant: "claude", note, askedBy: "dana" }),
    );
    const before = await read();
    const run = await cli(["run"], jobEnv(event, 702, { AGENT_ASSISTANT: "codex" }));
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split("\n")).toEqual([
      "agent-bridge run: nothing to do: the event is for claude; this job runs codex",
    ]);
    expect(await read()).toBe(before);
  });

  it("leaves the placeholder failed when SIGTERM arrives while the run waits", async () => {
    const { event, issue, read } = await mention((note) =>
      renderPlaceholder({ assistant: "claude", note, askedBy: "dana" }),
    );
    // The context's first read of the issue hangs: the run is busy when the signal comes.
    sandbox.services.faults.add({
      method: "GET",
      path: `^/api/v4/projects/${project.id}/issues/${issue.iid}$`,
      delayMs: 60_000,
      times: 10,
    });
    const started = Date.now();
    const run = await cli(["run"], jobEnv(event, 703), (kill) => {
      void waitFor(
        async () => parsePlaceholderStatus(await read()) === "working",
        "the working placeholder",
      ).then(async () => {
        await sleep(300);
        kill();
      });
    });
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    const body = await read();
    expect(parsePlaceholderStatus(body)).toBe("failed");
    expect(body).toContain("stopped by SIGTERM");
    expect(body).toContain(`${sandbox.url}/${project.path_with_namespace}/-/jobs/703`);
    expect(run.stderr).toContain("SIGTERM: stopping the agent and writing the placeholder");
  });
});

describe("agent-bridge run with the real Claude Code", () => {
  it("stops the CLI on SIGTERM while the model hangs, and leaves the placeholder failed", async () => {
    const path = await cliPath();
    if (path === undefined) {
      console.error("skipped: socat or bwrap is missing (apt-get install -y bubblewrap socat)");
      return;
    }
    const { event, read } = await mention((note) =>
      renderPlaceholder({ assistant: "claude", note, askedBy: "dana" }),
    );
    // The model never answers the agent's first turn.
    const model = await startAnthropicModelServer({ script: () => [{ delayMs: 60_000 }] });
    try {
      const dir = await ciCheckout();
      const started = Date.now();
      const run = await cli(
        ["run"],
        jobEnv(event, 705, {
          CI_PROJECT_DIR: dir,
          PATH: path,
          ANTHROPIC_BASE_URL: model.url,
          CLAUDE_MODEL: "claude-sonnet-4-5",
        }),
        (kill) => {
          const agentWaits = async () => model.requests.some((request) => request.kind === "turn");
          void waitFor(agentWaits, "the agent's first model call", 45_000).then(kill, kill);
        },
      );
      expect(run.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(55_000);
      const body = await read();
      expect(parsePlaceholderStatus(body)).toBe("failed");
      expect(body).toContain("stopped by SIGTERM");
      expect(body).not.toContain(API_KEY);
      expect(run.stderr).toContain("step: agent");
    } finally {
      await model.close();
    }
  });
});

/** Steps that succeed at once without a workspace or an agent: for runs whose point is the event. */
const quickSteps: Partial<JobSteps> = {
  buildContext: async () => ({
    kind: "issue",
    trigger: { noteId: 0, body: "", authorUsername: "dana", createdAt: "" },
    markdown: "",
    images: [],
    stats: { chars: 0, truncated: false, gitlabCalls: 0 },
  }),
  prepareWorkspace: async () => ({
    dir: "/",
    baseBranch: "main",
    workBranch: null,
    mode: "issue",
    startSha: "0",
  }),
  applyBaseRules: async () => ({ files: [], restore: async () => undefined }),
  buildPrompt: () => ({ prompt: "" }),
  modelEnv: async () => ({ env: {}, secrets: [] }),
  startToolBridge: async () => ({
    mcp: { command: "true", args: [], env: {} },
    comments: () => ({ posted: 0, calls: 0, refused: [] }),
    close: async () => undefined,
  }),
  runAgent: async () => ({ status: "success", finalText: "Answered.", durationMs: 1 }),
  publishChanges: async () => ({ kind: "none" }),
};

describe("TRIGGER_PAYLOAD: a webhook pointed straight at the trigger URL", () => {
  it("runs each assistant once for a note naming both, and a redelivery not at all", async () => {
    // Capture the Note Hook the sandbox sends, as GitLab would hand it to the pipeline.
    const payloads: string[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        payloads.push(body);
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    const hook = await dev.client.ok<{ id: number }>("POST", `/projects/${project.id}/hooks`, {
      url: hookUrl,
      note_events: true,
    });
    try {
      const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, {
        title: "Both",
      });
      const trigger = await dev.client.ok<NoteAnswer>(
        "POST",
        `/projects/${project.id}/issues/${issue.iid}/notes`,
        {
          body: "@claude and @codex: what do you think?",
        },
      );
      await waitFor(async () => payloads.length > 0, "the Note Hook");
      const payloadFile = join(await mkdtemp(join(tmpdir(), "job-lifecycle-payload-")), "TRIGGER_PAYLOAD");
      scratch.push(dirname(payloadFile));
      await writeFile(payloadFile, payloads[0] ?? "");

      const base = jobEnv(null, 801);
      const env = (assistant: string, jobId: number) => ({
        ...base,
        CI_JOB_ID: String(jobId),
        CI_JOB_URL: `${sandbox.url}/${project.path_with_namespace}/-/jobs/${jobId}`,
        TRIGGER_PAYLOAD: payloadFile,
        AGENT_ASSISTANT: assistant,
        OPENAI_API_KEY: "sk-openai-lifecycle-0123456789",
      });
      const [claude, codex] = await Promise.all([
        runJob({ env: env("claude", 801), steps: quickSteps, log: () => undefined }),
        runJob({ env: env("codex", 802), steps: quickSteps, log: () => undefined }),
      ]);
      expect(claude).toMatchObject({ exitCode: 0, outcome: "succeeded" });
      expect(codex).toMatchObject({ exitCode: 0, outcome: "succeeded" });

      const notes = async () =>
        (
          await dev.client.ok<NoteAnswer[]>(
            "GET",
            `/projects/${project.id}/issues/${issue.iid}/notes?per_page=100`,
          )
        ).filter((n) => n.id !== trigger.id);
      const placeholders = await notes();
      expect(placeholders.map((n) => parseMarker(n.body)?.assistant).sort()).toEqual(["claude", "codex"]);
      for (const note of placeholders) {
        expect(parsePlaceholderStatus(note.body)).toBe("done");
        expect(note.body).toContain("Answered.");
      }
      const awards = await dev.client.ok<Array<{ name: string; user: { id: number } }>>(
        "GET",
        `/projects/${project.id}/issues/${issue.iid}/notes/${trigger.id}/award_emoji`,
      );
      expect(awards).toEqual([
        expect.objectContaining({ name: "eyes", user: expect.objectContaining({ id: bot.id }) as unknown }),
      ]);

      // GitLab redelivers the same payload: nothing new happens.
      const again = await runJob({ env: env("claude", 803), steps: quickSteps, log: () => undefined });
      expect(again).toMatchObject({ exitCode: 0, outcome: "skipped" });
      expect((await notes()).length).toBe(2);

      // A comment that summons no one costs the job nothing but a log line.
      payloads.length = 0;
      await dev.client.ok("POST", `/projects/${project.id}/issues/${issue.iid}/notes`, { body: "thanks!" });
      await waitFor(async () => payloads.length > 0, "the second Note Hook");
      await writeFile(payloadFile, payloads[0] ?? "");
      const lines: string[] = [];
      const quiet = await runJob({ env: env("claude", 804), steps: quickSteps, log: (l) => lines.push(l) });
      expect(quiet).toMatchObject({ exitCode: 0, outcome: "skipped" });
      expect(lines).toEqual(["nothing to do: no mention of an enabled assistant"]);
    } finally {
      await dev.client.call("DELETE", `/projects/${project.id}/hooks/${hook.id}`);
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it("finalize finds the placeholder this job posted and marks it failed", async () => {
    const payloads: string[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        payloads.push(body);
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = await dev.client.ok<{ id: number }>("POST", `/projects/${project.id}/hooks`, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
      note_events: true,
    });
    try {
      const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, {
        title: "Killed",
      });
      await dev.client.ok("POST", `/projects/${project.id}/issues/${issue.iid}/notes`, {
        body: "@claude go",
      });
      await waitFor(async () => payloads.length > 0, "the Note Hook");
      const base = jobEnv(null, 901);
      const env = { ...base, TRIGGER_PAYLOAD: payloads[0] ?? "", AGENT_ASSISTANT: "claude" };
      // The run posts its placeholder, then "dies" in the agent (never returns within the test).
      const stop = new AbortController();
      const running = runJob({
        env,
        steps: { ...quickSteps, runAgent: () => new Promise<never>(() => undefined) },
        stopSignal: stop.signal,
        log: () => undefined,
      });
      const placeholder = async () =>
        (await dev.client.ok<NoteAnswer[]>("GET", `/projects/${project.id}/issues/${issue.iid}/notes`)).find(
          (n) => parseMarker(n.body)?.kind === "placeholder",
        );
      await waitFor(
        async () => parsePlaceholderStatus((await placeholder())?.body ?? "") === "working",
        "working",
      );
      const result = await finalizeJob({ env: { ...env, CI_JOB_STATUS: "canceled" }, log: () => undefined });
      expect(result.action).toBe("marked-failed");
      expect((await placeholder())?.body).toContain("the job was canceled before the run finished.");
      stop.abort({ kind: "signal", signal: "SIGTERM" });
      expect((await running).outcome).toBe("stopped");
    } finally {
      await dev.client.call("DELETE", `/projects/${project.id}/hooks/${hook.id}`);
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe("runJob with the real steps", () => {
  it("opens a merge request for the issue and turns the placeholder into the result", async () => {
    const { event, issue, read } = await mention((note) =>
      renderPlaceholder({ assistant: "claude", note, askedBy: "dana" }),
    );
    const dir = await ciCheckout();

    let promptSeen = "";
    let progressSeen = false;
    const lines: string[] = [];
    const result = await runJob({
      env: jobEnv(event, 704, { CI_PROJECT_DIR: dir, PATH: process.env["PATH"] ?? "" }),
      log: (line) => lines.push(line),
      progressIntervalMs: 0,
      steps: {
        // A stand-in for the CLI: edits the file, reports progress through the placeholder, answers.
        runAgent: async (input) => {
          promptSeen = input.prompt.prompt;
          input.onEvent({ kind: "todo", text: "- [x] found the constant\n- [ ] fix it" });
          await sleep(50);
          progressSeen =
            parsePlaceholderStatus(await read()) === "working" &&
            (await read()).includes("found the constant");
          await writeFile(join(input.workspace.dir, "src/app.ts"), "export const answer = 42;\n");
          return {
            status: "success",
            finalText: `Set the answer to 42 (key ${API_KEY} not shown).`,
            durationMs: 10,
            turns: 2,
            costUsd: 0.002,
          };
        },
      },
    });
    expect(result.reason).toBeUndefined();
    expect(result).toMatchObject({ exitCode: 0, outcome: "succeeded", placeholderFinal: true });
    expect(promptSeen).toContain("@claude please fix the answer");
    expect(progressSeen).toBe(true);
    expect(result.publish?.kind).toBe("merge_request");

    const body = await read();
    expect(parsePlaceholderStatus(body)).toBe("done");
    expect(body).toContain("Set the answer to 42 (key [REDACTED] not shown).");
    expect(body).not.toContain(API_KEY);
    const mrs = await dev.client.ok<Array<{ iid: number; source_branch: string; description: string }>>(
      "GET",
      `/projects/${project.id}/merge_requests`,
    );
    const mr = mrs.find((m) => m.source_branch.startsWith(`claude/${issue.iid}-`));
    expect(mr).toBeDefined();
    expect(mr?.description).toContain(`Closes #${issue.iid}`);
    expect(mr?.description).not.toContain(API_KEY);
    expect(body).toContain(`[!${mr?.iid}](`);
    expect(lines.join("\n")).not.toContain(bot.token);
  });
});
