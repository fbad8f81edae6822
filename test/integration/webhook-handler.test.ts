// The receiver and its worker end to end against the sandbox GitLab: the sandbox delivers real Note Hooks
// over HTTP to a receiver in this process (createWebhookHandler), which queues each mention on serve's work
// queue; the worker's GitLab calls go back to the sandbox's REST API. Pipelines are created but not run:
// what a job does is another suite's.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { loadWebhookSettings } from "../../shared/config/webhook-settings.ts";
import { createWorkQueue, type WorkQueue } from "../../functions/node/work-queue.ts";
import { createGitLabClient } from "../../shared/gitlab/client.ts";
import { parseMarker } from "../../shared/placeholder/marker.ts";
import { decodeBridgeEvent } from "../support/bridge-event.ts";
import { createWebhookHandler, type WebhookResponse } from "../../shared/webhook/handler.ts";
import { createMentionWorker } from "../../shared/webhook/worker.ts";

const SECRET = "integration-webhook-secret";
const CI_CONFIG = `spec:
  inputs:
    agent_bridge_event:
      default: ""
---
agent:
  script:
    - echo "$AGENT_BRIDGE_EVENT"
`;

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  response: WebhookResponse;
  body: {
    result: string;
    reason?: string;
    runs?: { assistant: string; placeholderNoteId: number | null; pipelineId: number | null }[];
  };
}

interface Note {
  id: number;
  body: string;
  author: { id: number };
  internal?: boolean;
}

let sandbox: Sandbox;
let admin: RestClient;
let bridge: SandboxUser;
let dev: SandboxUser;
let guest: SandboxUser;
let project: Awaited<ReturnType<typeof createProject>>;
let receiver: Server;
let receiverUrl: string;
let env: Record<string, string> = {};
let deliveries: Delivery[] = [];
let logLines: string[] = [];

// One receiver and worker per distinct settings, as one per process in production (its GET /user cache
// included). Every queue of the suite, to wait for.
const handlers = new Map<string, ReturnType<typeof createWebhookHandler>>();
const queues: WorkQueue[] = [];
function handlerFor(settingsEnv: Record<string, string>) {
  const key = JSON.stringify(settingsEnv);
  const existing = handlers.get(key);
  if (existing) return existing;
  const settings = loadWebhookSettings(settingsEnv);
  const gitlab = createGitLabClient({
    baseUrl: settings.gitlabUrl,
    token: settings.gitlabToken,
    fetch,
    now: Date.now,
    sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
    deadlineMs: settings.deadlineMs,
  });
  const log = (line: string) => logLines.push(line);
  const worker = createMentionWorker({ settings, gitlab, now: Date.now, log });
  const queue = createWorkQueue({ worker, log, baseDelayMs: 50, maxDelayMs: 200 });
  queues.push(queue);
  const handler = createWebhookHandler({ settings, now: Date.now, log, handOff: (task) => queue.add(task) });
  handlers.set(key, handler);
  return handler;
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bridge = await createUser(admin, "agent-bridge-bot", { bot: true });
  dev = await createUser(admin, "dev");
  guest = await createUser(admin, "guest");
  project = await createProject(admin, { path: "app", files: { ".gitlab-ci.yml": CI_CONFIG } });
  await addMember(admin, project.id, bridge.id, 40);
  await addMember(admin, project.id, dev.id, 30);
  await addMember(admin, project.id, guest.id, 10);

  // The receiver reads the settings per delivery, so each test can change them.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks);
      const handle = handlerFor(env);
      void handle({ headers: req.headers, rawBody }).then((response) => {
        deliveries.push({
          headers: req.headers,
          rawBody,
          response,
          body: JSON.parse(response.body) as Delivery["body"],
        });
        res.writeHead(response.status, response.headers);
        res.end(response.body);
      });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;
  await admin.ok("POST", `/projects/${project.id}/hooks`, {
    url: receiverUrl,
    token: SECRET,
    note_events: true,
    confidential_note_events: true,
    push_events: false,
  });
});

afterAll(async () => {
  await sandbox?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

beforeEach(async () => {
  env = {
    GITLAB_URL: sandbox.url,
    GITLAB_TOKEN: bridge.token,
    WEBHOOK_SECRET: SECRET,
  };
  deliveries = [];
  logLines = [];
  await fetch(`${sandbox.url}/-/sandbox/faults`, {
    method: "DELETE",
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
  await admin.ok("PUT", `/projects/${project.id}`, {
    ci_pipeline_variables_minimum_override_role: "developer",
  });
});

async function newIssue(title = "Flaky test"): Promise<number> {
  const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, { title });
  return issue.iid;
}

/** Posts a note as `who` and waits until every delivery it causes has been answered. */
async function comment(
  who: SandboxUser,
  iid: number,
  body: string,
  extra: Record<string, unknown> = {},
): Promise<Note> {
  const note = await who.client.ok<Note>("POST", `/projects/${project.id}/issues/${iid}/notes`, {
    body,
    ...extra,
  });
  await settled();
  return note;
}

/** Until every delivery has been answered and every queued mention worked off. */
async function settled(): Promise<void> {
  await sandbox.idle();
  await Promise.all(queues.map((queue) => queue.idle()));
  await sandbox.idle();
}

async function notes(iid: number): Promise<Note[]> {
  return admin.ok<Note[]>("GET", `/projects/${project.id}/issues/${iid}/notes?sort=asc&per_page=100`);
}

async function awards(
  iid: number,
  noteId: number,
): Promise<{ id: number; name: string; user: { id: number } }[]> {
  return admin.ok("GET", `/projects/${project.id}/issues/${iid}/notes/${noteId}/award_emoji`);
}

async function pipelineVariables(pipelineId: number): Promise<Record<string, string>> {
  const list = await admin.ok<{ key: string; value: string }[]>(
    "GET",
    `/projects/${project.id}/pipelines/${pipelineId}/variables`,
  );
  return Object.fromEntries(list.map((v) => [v.key, v.value]));
}

/** The delivery of a note; for a mention, `body` is what its task's last attempt did. */
function deliveryFor(noteId: number): Delivery | undefined {
  const found = deliveries.find(
    (d) =>
      (JSON.parse(d.rawBody.toString("utf8")) as { object_attributes: { id: number } }).object_attributes
        .id === noteId,
  );
  if (!found || found.body.result !== "accepted") return found;
  return { ...found, body: taskLog(noteId) as Delivery["body"] };
}

/** What the last attempt of a note's mention task did: result, and reason and runs when it has them. */
function taskLog(noteId: number): Record<string, unknown> {
  const last = logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l["msg"] === "mention task" && l["noteId"] === noteId && l["result"] !== "error")
    .at(-1);
  if (!last) return {};
  return Object.fromEntries(
    ["result", "reason", "runs"].filter((key) => last[key] != null).map((key) => [key, last[key]]),
  );
}

describe("webhook handler against the sandbox", () => {
  it("claims a mention, posts the placeholder and creates the pipeline carrying the event", async () => {
    env["BRIDGE_USER_ID"] = String(bridge.id);
    const iid = await newIssue();
    const note = await comment(dev, iid, "@claude fix the flaky test");

    const delivery = deliveryFor(note.id);
    expect(delivery?.response.status).toBe(202);
    expect(delivery?.body.result).toBe("dispatched");
    const run = delivery?.body.runs?.[0];
    expect(run).toMatchObject({
      assistant: "claude",
      placeholderNoteId: expect.any(Number),
      pipelineId: expect.any(Number),
    });

    expect(await awards(iid, note.id)).toEqual([
      expect.objectContaining({ name: "eyes", user: expect.objectContaining({ id: bridge.id }) }),
    ]);
    const placeholder = (await notes(iid)).find((n) => n.id === run?.placeholderNoteId);
    expect(placeholder?.author.id).toBe(bridge.id);
    expect(parseMarker(placeholder?.body ?? "")).toEqual({
      kind: "placeholder",
      assistant: "claude",
      note: note.id,
    });
    expect(placeholder?.body).toContain("**Claude** is working on it… (asked by @dev)");

    const variables = await pipelineVariables(run?.pipelineId ?? 0);
    expect(variables["AI_FLOW_EVENT"]).toBe("mention");
    // The job reads the instruction from the note in GitLab: the event carries none.
    expect(variables).not.toHaveProperty("AI_FLOW_INPUT");
    expect(decodeBridgeEvent(variables["AGENT_BRIDGE_EVENT"] ?? "")).toEqual({
      assistant: "claude",
      projectId: project.id,
      projectPath: project.path_with_namespace,
      noteableType: "Issue",
      noteableIid: iid,
      noteId: note.id,
      discussionId: expect.any(String),
      placeholderNoteId: run?.placeholderNoteId,
      authorId: dev.id,
      authorUsername: "dev",
      confidential: false,
    });

    // The placeholder fired a Note Hook of its own: ignored without a single call.
    const own = deliveryFor(run?.placeholderNoteId ?? 0);
    expect(own?.body.result).toBe("ignored");
    const logs = logLines.map((l) => JSON.parse(l) as { msg: string; noteId: number; callCount: number });
    // The note and the project read back, the member check, the author (bot or not), the claim, the
    // placeholder, the pipeline.
    expect(logs.find((l) => l.noteId === note.id && l.msg === "mention task")?.callCount).toBe(7);
    const ownLog = logLines
      .map((l) => JSON.parse(l) as { noteId: number; callCount: number })
      .find((l) => l.noteId === run?.placeholderNoteId);
    expect(ownLog?.callCount).toBe(0);
  });

  it("answers a redelivery of the same event as a duplicate", async () => {
    const iid = await newIssue();
    const note = await comment(dev, iid, "@codex look at this");
    const first = deliveryFor(note.id);
    expect(first?.body.result).toBe("dispatched");
    // Resent as GitLab resends: the same headers (Idempotency-Key included) and the same bytes.
    const resent = Object.fromEntries(
      Object.entries(first?.headers ?? {}).filter(
        (entry): entry is [string, string] =>
          /^(x-gitlab-|idempotency-key|content-type)/.test(entry[0]) && typeof entry[1] === "string",
      ),
    );
    const again = await fetch(receiverUrl, {
      method: "POST",
      headers: resent,
      body: first ? new Uint8Array(first.rawBody) : "",
    });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ result: "accepted" });
    await settled();
    expect(taskLog(note.id)).toMatchObject({ result: "duplicate" });
    const placeholders = (await notes(iid)).filter((n) => parseMarker(n.body)?.note === note.id);
    expect(placeholders).toHaveLength(1);
  });

  it("ignores a note without a mention, and a mention by a guest (taking the claim back, leaving its 🚫)", async () => {
    const iid = await newIssue();
    const plain = await comment(dev, iid, "no assistant needed here");
    expect(deliveryFor(plain.id)?.body).toEqual({
      result: "ignored",
      reason: "no mention of an enabled assistant",
    });

    const byGuest = await comment(guest, iid, "@claude do my bidding");
    expect(deliveryFor(byGuest.id)?.body).toEqual({ result: "ignored", reason: "insufficient access" });
    // The 👀 is given back; the bridge's 🚫 stays, so the sweep does not ask GitLab again (claim.ts).
    expect((await awards(iid, byGuest.id)).map((a) => [a.name, a.user.id])).toEqual([
      ["no_entry_sign", bridge.id],
    ]);
    expect((await notes(iid)).filter((n) => n.author.id === bridge.id)).toEqual([]);
  });

  it("answers in the thread of a reply", async () => {
    const iid = await newIssue();
    const thread = await dev.client.ok<{ id: string }>(
      "POST",
      `/projects/${project.id}/issues/${iid}/discussions`,
      {
        body: "Something is off with the cache",
      },
    );
    await sandbox.idle();
    const reply = await dev.client.ok<Note>(
      "POST",
      `/projects/${project.id}/issues/${iid}/discussions/${thread.id}/notes`,
      { body: "@claude can you investigate?" },
    );
    await settled();
    const run = deliveryFor(reply.id)?.body.runs?.[0];
    const discussion = await admin.ok<{ notes: Note[] }>(
      "GET",
      `/projects/${project.id}/issues/${iid}/discussions/${thread.id}`,
    );
    expect(discussion.notes.map((n) => n.id)).toContain(run?.placeholderNoteId);
    const event = decodeBridgeEvent(
      (await pipelineVariables(run?.pipelineId ?? 0))["AGENT_BRIDGE_EVENT"] ?? "",
    );
    expect(event.discussionId).toBe(thread.id);
  });

  it("keeps an internal note's placeholder internal and its text out of the pipeline", async () => {
    const iid = await newIssue();
    const note = await comment(dev, iid, "@claude the leaked key is in config/prod.yml", { internal: true });
    const delivery = deliveryFor(note.id);
    expect(delivery?.headers["x-gitlab-event"]).toBe("Confidential Note Hook");
    const run = delivery?.body.runs?.[0];
    const placeholder = (await notes(iid)).find((n) => n.id === run?.placeholderNoteId);
    expect(placeholder?.internal).toBe(true);
    const variables = await pipelineVariables(run?.pipelineId ?? 0);
    expect(variables).not.toHaveProperty("AI_FLOW_INPUT");
    expect(JSON.stringify(variables)).not.toContain("leaked key");
    expect(decodeBridgeEvent(variables["AGENT_BRIDGE_EVENT"] ?? "").confidential).toBe(true);
  });

  it("passes the event as a pipeline input in inputs mode", async () => {
    env["DISPATCH_EVENT_AS"] = "inputs";
    const iid = await newIssue();
    const note = await comment(dev, iid, "@claude add a test");
    const run = deliveryFor(note.id)?.body.runs?.[0];
    expect(run?.pipelineId).toEqual(expect.any(Number));
    const pipeline = sandbox.services.state.pipelines.get(run?.pipelineId ?? 0);
    expect(decodeBridgeEvent(String(pipeline?.inputs["agent_bridge_event"])).noteId).toBe(note.id);
    expect(pipeline?.variables).toEqual([]);
  });

  it("uses a trigger token in trigger mode", async () => {
    const trigger = await admin.ok<{ token: string }>("POST", `/projects/${project.id}/triggers`, {
      description: "bridge",
    });
    env["DISPATCH_MODE"] = "trigger";
    env["TRIGGER_TOKENS"] = JSON.stringify({ [project.path_with_namespace]: trigger.token });
    const iid = await newIssue();
    const note = await comment(dev, iid, "@codex add a test");
    const run = deliveryFor(note.id)?.body.runs?.[0];
    expect(sandbox.services.state.pipelines.get(run?.pipelineId ?? 0)?.source).toBe("trigger");
  });

  it("turns the placeholder into guidance when the project forbids pipeline variables", async () => {
    await admin.ok("PUT", `/projects/${project.id}`, {
      ci_pipeline_variables_minimum_override_role: "no_one_allowed",
    });
    const iid = await newIssue();
    const note = await comment(dev, iid, "@claude fix it");
    const delivery = deliveryFor(note.id);
    expect(delivery?.response.status).toBe(202);
    expect(delivery?.body.result).toBe("failed");
    const placeholder = (await notes(iid)).find((n) => n.id === delivery?.body.runs?.[0]?.placeholderNoteId);
    expect(placeholder?.body).toContain("Minimum role to use pipeline variables");
    expect(placeholder?.body).toContain("DISPATCH_EVENT_AS=inputs");
    expect(placeholder?.body).not.toContain("is working on it");
  });

  it("rides out a 503 on the claim and never repeats a pipeline POST that answered 500", async () => {
    const fault = (spec: Record<string, unknown>) =>
      fetch(`${sandbox.url}/-/sandbox/faults`, {
        method: "POST",
        headers: { "PRIVATE-TOKEN": sandbox.adminToken, "content-type": "application/json" },
        body: JSON.stringify(spec),
      });
    await fault({ method: "POST", path: "/award_emoji$", status: 503, times: 1 });
    await fault({
      method: "POST",
      path: "/pipeline$",
      status: 500,
      body: { message: "500 Internal Server Error" },
      times: 1,
    });
    const iid = await newIssue();
    const note = await comment(dev, iid, "@claude try again");
    const delivery = deliveryFor(note.id);
    expect(delivery?.body.result).toBe("failed");
    const log = JSON.parse(
      logLines.find((l) => l.includes(`"noteId":${note.id}`) && l.includes('"mention task"')) ?? "{}",
    ) as { calls: { method: string; path: string }[] };
    expect(log.calls.filter((c) => c.path.endsWith("/pipeline"))).toHaveLength(1);
    expect(await awards(iid, note.id)).toHaveLength(1);
    const placeholder = (await notes(iid)).find((n) => n.id === delivery?.body.runs?.[0]?.placeholderNoteId);
    expect(placeholder?.body).toContain("could not create the pipeline");
  });

  it("recovers a note claimed by a delivery that died before its placeholder", async () => {
    env["CLAIM_GRACE_SECONDS"] = "0";
    const iid = await newIssue();
    // The dead delivery: its claim is there, nothing else. The mention comes in as an edit, which is not
    // served (HANDLE_EDITS is off), and the claim is made by hand, as a worker that died would leave it.
    const note = await comment(dev, iid, "quiet");
    await dev.client.ok("PUT", `/projects/${project.id}/issues/${iid}/notes/${note.id}`, {
      body: "@claude recover me",
    });
    await settled();
    await bridge.client.ok("POST", `/projects/${project.id}/issues/${iid}/notes/${note.id}/award_emoji`, {
      name: "eyes",
    });
    const payload = JSON.parse(deliveryFor(note.id)?.rawBody.toString("utf8") ?? "{}") as {
      object_attributes: { note: string };
    };
    payload.object_attributes.note = "@claude recover me";
    const response = await fetch(receiverUrl, {
      method: "POST",
      headers: {
        "X-Gitlab-Event": "Note Hook",
        "X-Gitlab-Token": SECRET,
        "content-type": "application/json",
      },
      body: JSON.stringify(payload),
    });
    expect(await response.json()).toEqual({ result: "accepted" });
    await settled();
    expect(taskLog(note.id)).toMatchObject({
      result: "dispatched",
      reason: "recovered a claim left without placeholders",
    });
  });

  it("refuses a delivery with the wrong secret", async () => {
    const response = await fetch(receiverUrl, {
      method: "POST",
      headers: { "X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": "wrong" },
      body: "{}",
    });
    expect(response.status).toBe(401);
  });
});
