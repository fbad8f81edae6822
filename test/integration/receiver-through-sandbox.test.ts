// The receiver as users run it: a real `agent-bridge serve` process, the sandbox delivering Note Hooks to it
// over HTTP, and the outcome read from the sandbox's state: awards, placeholders, pipelines.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { parseMarker } from "../../shared/placeholder/marker.ts";
import { deriveWebhookSecret } from "../../shared/webhook/scoped-secrets.ts";
import type { BridgeEvent } from "../../shared/webhook/bridge-event.ts";
import { decodeBridgeEvent } from "../support/bridge-event.ts";
import { settledNote, startServe, type ServeLog } from "../support/serve.ts";

const SECRET = "receiver-e2e-secret";

interface StateNote {
  id: number;
  body: string;
  author_id: number;
  noteable_iid: number;
  discussion_id: string;
  type: string | null;
}
interface State {
  notes: StateNote[];
  award_emoji: Array<{ awardable_id: number; name: string; user_id: number }>;
  pipelines: Array<{ id: number; variables: Array<{ key: string; value: string }> }>;
}
interface Delivery {
  request_headers: Record<string, string>;
  request_data: unknown;
  response_status: number | string;
}

let sandbox: Sandbox;
let admin: RestClient;
let bridge: SandboxUser;
let dev: SandboxUser;
let guest: SandboxUser;
let projectId: number;
let serve: ChildProcess;
let serveLog: ServeLog;
let webhookUrl: string;
let issueIid: number;

async function state(): Promise<State> {
  const res = await fetch(`${sandbox.url}/-/sandbox/state`, {
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
  return (await res.json()) as State;
}

/** What the run for one triggering note left behind. */
async function outcome(
  noteId: number,
): Promise<{ awards: number; placeholders: StateNote[]; events: BridgeEvent[] }> {
  const s = await state();
  return {
    awards: s.award_emoji.filter((a) => a.awardable_id === noteId && a.name === "eyes").length,
    placeholders: s.notes.filter((n) => n.author_id === bridge.id && parseMarker(n.body)?.note === noteId),
    events: s.pipelines
      .map((p) => p.variables.find((v) => v.key === "AGENT_BRIDGE_EVENT")?.value)
      .filter((v): v is string => v !== undefined)
      .map(decodeBridgeEvent)
      .filter((e) => e.noteId === noteId),
  };
}

/** Posts a note and waits until the receiver is done with it (answered, or its mention task settled). */
async function comment(
  user: SandboxUser,
  body: string,
  path = `/projects/${projectId}/issues/${issueIid}/notes`,
  log: ServeLog = serveLog,
): Promise<number> {
  const note = await user.client.ok<{ id: number }>("POST", path, { body });
  await sandbox.idle();
  await log.waitFor(settledNote(note.id));
  return note.id;
}

async function fault(spec: Record<string, unknown>): Promise<void> {
  const answer = await fetch(`${sandbox.url}/-/sandbox/faults`, {
    method: "POST",
    headers: { "PRIVATE-TOKEN": sandbox.adminToken, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  expect(answer.status).toBe(201);
}

async function clearFaults(): Promise<void> {
  await fetch(`${sandbox.url}/-/sandbox/faults`, {
    method: "DELETE",
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bridge = await createUser(admin, "agent-bridge-bot", { bot: true });
  dev = await createUser(admin, "dev");
  guest = await createUser(admin, "guest");
  const project = await createProject(admin, {
    path: "receiver",
    files: {
      ".gitlab-ci.yml":
        'agent:\n  rules:\n    - if: $AGENT_BRIDGE_EVENT\n  script:\n    - echo "$AGENT_BRIDGE_EVENT"\n',
    },
  });
  projectId = project.id;
  await addMember(admin, projectId, bridge.id, 30);
  await addMember(admin, projectId, dev.id, 30);
  await addMember(admin, projectId, guest.id, 10);
  ({
    child: serve,
    webhookUrl,
    log: serveLog,
  } = await startServe({
    GITLAB_URL: sandbox.url,
    GITLAB_TOKEN: bridge.token,
    WEBHOOK_SECRET: `old-secret,${SECRET}`,
    BRIDGE_USER_ID: String(bridge.id),
    // The sweep has its own suite (sweep-through-sandbox): here every mention comes by delivery.
    SWEEP_INTERVAL_SECONDS: "0",
  }));
  await admin.ok("POST", `/projects/${projectId}/hooks`, {
    url: webhookUrl,
    token: SECRET,
    note_events: true,
    confidential_note_events: true,
  });
  const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${projectId}/issues`, {
    title: "Broken build",
  });
  issueIid = issue.iid;
});

let policyServe: ChildProcess | undefined;

afterAll(async () => {
  serve?.kill("SIGTERM");
  policyServe?.kill("SIGTERM");
  await sandbox?.close();
});

describe("agent-bridge serve behind the sandbox's webhooks", () => {
  it("turns a Developer's '@claude fix this' on an issue into one claim, one placeholder and one pipeline", async () => {
    const noteId = await comment(dev, "@claude fix this");
    const result = await outcome(noteId);
    expect(result.awards).toBe(1);
    expect(result.placeholders).toHaveLength(1);
    expect(result.placeholders[0]?.body).toMatch(/working/i);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      assistant: "claude",
      projectId,
      noteableType: "Issue",
      noteableIid: issueIid,
      noteId,
      authorUsername: "dev",
      placeholderNoteId: result.placeholders[0]?.id,
    });
    // The job reads the instruction from the note in GitLab, never from the event.
    expect(result.events[0]).not.toHaveProperty("instruction");
  });

  it("answers in the thread for a reply, and for a diff note on a merge request", async () => {
    await dev.client.ok("POST", `/projects/${projectId}/repository/commits`, {
      branch: "feature",
      start_branch: "main",
      commit_message: "Add code",
      actions: [{ action: "create", file_path: "app.js", content: "const a = 1;\nconst b = 2;\n" }],
    });
    const mr = await dev.client.ok<{
      iid: number;
      diff_refs: { base_sha: string; head_sha: string; start_sha: string };
    }>("POST", `/projects/${projectId}/merge_requests`, {
      source_branch: "feature",
      target_branch: "main",
      title: "Add code",
    });
    const thread = await dev.client.ok<{ id: string }>(
      "POST",
      `/projects/${projectId}/merge_requests/${mr.iid}/discussions`,
      {
        body: "Is this right?",
      },
    );
    const replyId = await comment(
      dev,
      "@codex please check",
      `/projects/${projectId}/merge_requests/${mr.iid}/discussions/${thread.id}/notes`,
    );
    const reply = await outcome(replyId);
    expect(reply.events).toHaveLength(1);
    expect(reply.events[0]).toMatchObject({
      assistant: "codex",
      noteableType: "MergeRequest",
      discussionId: thread.id,
    });
    expect(reply.placeholders[0]?.discussion_id).toBe(thread.id);

    const diffNote = await dev.client.ok<{ notes: Array<{ id: number }>; id: string }>(
      "POST",
      `/projects/${projectId}/merge_requests/${mr.iid}/discussions`,
      {
        body: "@claude rename b",
        position: {
          position_type: "text",
          ...mr.diff_refs,
          old_path: "app.js",
          new_path: "app.js",
          new_line: 2,
        },
      },
    );
    await sandbox.idle();
    await serveLog.waitFor(settledNote(diffNote.notes[0]!.id));
    const onDiff = await outcome(diffNote.notes[0]!.id);
    expect(onDiff.events).toHaveLength(1);
    expect(onDiff.placeholders[0]).toMatchObject({ discussion_id: diffNote.id, type: "DiffNote" });
  });

  it("starts two independent runs for a note naming both assistants", async () => {
    const noteId = await comment(dev, "@claude and @codex, each take a look");
    const result = await outcome(noteId);
    expect(result.awards).toBe(1);
    expect(result.placeholders).toHaveLength(2);
    expect(result.events.map((e) => e.assistant).sort()).toEqual(["claude", "codex"]);
    expect(new Set(result.events.map((e) => e.placeholderNoteId)).size).toBe(2);
  });

  it("starts nothing for a Guest, a system note, the bridge's own note, an edit, or a mention in code", async () => {
    const silent: number[] = [];
    silent.push(await comment(guest, "@claude fix this"));
    silent.push(await comment(bridge, "@claude I am the bot"));
    silent.push(await comment(dev, "Use it like this:\n\n```\n@claude fix this\n```\n"));
    silent.push(await comment(dev, "Call `@claude` in a comment"));
    const edited = await comment(dev, "nothing yet");
    await dev.client.ok("PUT", `/projects/${projectId}/issues/${issueIid}/notes/${edited}`, {
      body: "@claude now do it",
    });
    await sandbox.idle();
    silent.push(edited);
    // A label change makes GitLab write a system note (which fires no Note Hook: Notes::PostProcessService).
    await dev.client.ok("PUT", `/projects/${projectId}/issues/${issueIid}`, { add_labels: "claude" });
    await sandbox.idle();
    const s = await state();
    const systemNote = s.notes.filter((n) => n.noteable_iid === issueIid).at(-1)!;
    silent.push(systemNote.id);
    for (const id of silent) {
      const result = await outcome(id);
      expect({ id, events: result.events.length, placeholders: result.placeholders.length }).toEqual({
        id,
        events: 0,
        placeholders: 0,
      });
    }
  });

  it("makes one pipeline of the same delivery sent 20 times at once, and once more afterwards", async () => {
    // A second hook to a closed port records the payload without delivering it: a fresh event to replay.
    const dead = await admin.ok<{ id: number }>("POST", `/projects/${projectId}/hooks`, {
      url: "http://127.0.0.1:9/closed",
      token: SECRET,
      note_events: true,
    });
    const noteId = await comment(dev, "@claude once only please");
    const events = await admin.ok<Delivery[]>("GET", `/projects/${projectId}/hooks/${dead.id}/events`);
    await admin.ok("DELETE", `/projects/${projectId}/hooks/${dead.id}`);
    const recorded = events.find((d) => JSON.stringify(d.request_data).includes(`"id":${noteId}`))!;
    const replay = (): Promise<number> =>
      fetch(webhookUrl, {
        method: "POST",
        // The events API shows the token as [REDACTED]: whoever replays it knows the secret.
        headers: { ...recorded.request_headers, "X-Gitlab-Token": SECRET, "Idempotency-Key": "replay-key" },
        body: JSON.stringify(recorded.request_data),
      }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 20 }, replay));
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(await replay()).toBe(202);
    // The hook's own delivery and 21 replays: 22 tasks, one claim between them.
    const settle = settledNote(noteId);
    for (let n = 1; n <= 22; n++) {
      await serveLog.waitFor((line) => settle(line) && serveLog.lines.filter(settle).length >= n);
    }
    const tasks = serveLog.lines.filter(settle).map((line) => line["result"]);
    expect(tasks.filter((r) => r === "dispatched")).toHaveLength(1);
    expect(tasks.filter((r) => r === "duplicate")).toHaveLength(21);
    const result = await outcome(noteId);
    expect(result.events).toHaveLength(1);
    expect(result.placeholders).toHaveLength(1);
  });

  it("under 5xx and 429 on each GitLab call: one pipeline in the end, or a clear error on the placeholder", async () => {
    const paths = ["/members/all/\\d+$", "/award_emoji$", "/issues/\\d+/notes$", "/pipeline$"];
    for (const path of paths) {
      for (const status of [500, 502, 503, 429]) {
        await fault({
          method: path.includes("members") ? "GET" : "POST",
          path: `^/api/v4/projects/${projectId}.*${path}`,
          user: bridge.username,
          status,
          times: 2,
        });
        const noteId = await comment(dev, `@claude fault ${path} ${status}`);
        await clearFaults();
        const result = await outcome(noteId);
        const label = `${status} on ${path}`;
        expect(result.events.length, label).toBeLessThanOrEqual(1);
        expect(result.placeholders.length, label).toBeLessThanOrEqual(1);
        if (result.events.length === 0) {
          // No pipeline: the placeholder must say so instead of claiming work that nothing will do.
          expect(result.placeholders, label).toHaveLength(1);
          expect(result.placeholders[0]?.body, label).toMatch(/could not start/);
        } else {
          expect(result.placeholders, label).toHaveLength(1);
        }
        // Only a 500 answered to the pipeline POST may have been applied by GitLab: it alone is not retried.
        const unsafe = status === 500 && path === "/pipeline$";
        expect(result.events.length, label).toBe(unsafe ? 0 : 1);
      }
    }
  });
});

/** A hook to a closed port: the sandbox logs the payload it could not deliver, to forge from. */
async function recordedPayload(noteId: number, hookId: number): Promise<Delivery> {
  const events = await admin.ok<Delivery[]>("GET", `/projects/${projectId}/hooks/${hookId}/events`);
  return events.find((d) => JSON.stringify(d.request_data).includes(`"id":${noteId}`))!;
}

describe("nothing lost: GitLab does not redeliver, so the receiver answers before GitLab's API", () => {
  // WebHookService#execute logs a 5xx or a timeout and raises nothing: GitLab never redelivers. The receiver
  // must answer 2xx at once and serve the mention from its queue when GitLab is back, once, without the hook
  // moving toward WebHooks::AutoDisabling's threshold.
  it("answers 2xx while GitLab fails the award and note calls for 15 s, then serves the mention exactly once", async () => {
    for (const path of ["/award_emoji$", "/notes$"]) {
      await fault({
        method: "POST",
        path: `^/api/v4/projects/${projectId}/.*${path}`,
        user: bridge.username,
        status: 503,
        times: 10_000,
      });
    }
    const note = await dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${projectId}/issues/${issueIid}/notes`,
      {
        body: "@claude survive the outage",
      },
    );
    await sandbox.idle();
    const hooks = await admin.ok<Array<{ id: number; url: string }>>("GET", `/projects/${projectId}/hooks`);
    const hook = hooks.find((h) => h.url === webhookUrl)!;
    const events = await admin.ok<Delivery[]>("GET", `/projects/${projectId}/hooks/${hook.id}/events`);
    const delivered = events.find((d) => JSON.stringify(d.request_data).includes(`"id":${note.id}`));
    expect(delivered?.response_status).toBe("202");
    await serveLog.waitFor((line) => line["noteId"] === note.id && line["result"] === "error");
    // The outage: GitLab's API fails for 15 s while the mention waits in the queue.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect((await outcome(note.id)).placeholders).toHaveLength(0);
    await clearFaults();

    await serveLog.waitFor(settledNote(note.id));
    const result = await outcome(note.id);
    expect(result.awards).toBe(1);
    expect(result.placeholders).toHaveLength(1);
    expect(result.events).toHaveLength(1);
    const served = serveLog.lines.filter(
      (line) => line["noteId"] === note.id && line["msg"] === "mention task",
    );
    expect(served.filter((line) => line["result"] === "dispatched")).toHaveLength(1);
    expect(served.length).toBeGreaterThan(1);
    const shown = await admin.ok<{ alert_status: string }>("GET", `/projects/${projectId}/hooks/${hook.id}`);
    expect(shown.alert_status).toBe("executable");
  }, 90_000);
});

describe("nothing forged: the receiver decides on what GitLab says, not on the payload", () => {
  it("runs nothing for a Guest's note whose payload names a Maintainer, nor for an excluded project posing as an allowed one", async () => {
    const maintainer = await createUser(admin, "maint");
    await addMember(admin, projectId, maintainer.id, 40);
    const dead = await admin.ok<{ id: number }>("POST", `/projects/${projectId}/hooks`, {
      url: "http://127.0.0.1:9/closed",
      token: SECRET,
      note_events: true,
    });
    const guestNote = await comment(guest, "@claude delete the tests");
    const recorded = await recordedPayload(guestNote, dead.id);
    const forged = structuredClone(recorded.request_data) as {
      user: { id: number; username: string };
      object_attributes: { author_id: number };
    };
    forged.user = { ...forged.user, id: maintainer.id, username: maintainer.username };
    forged.object_attributes.author_id = maintainer.id;
    const send = (url: string, body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { ...recorded.request_headers, "X-Gitlab-Token": SECRET, "Idempotency-Key": "forged" },
        body: JSON.stringify(body),
      });
    const before = serveLog.lines.length;
    expect((await send(webhookUrl, forged)).status).toBe(202);
    const asMaintainer = await serveLog.waitFor(
      (line) => line["noteId"] === guestNote && line["msg"] === "mention task",
      before,
    );
    expect(asMaintainer["reason"]).toBe("the delivery's user is not the note's author in GitLab");
    expect(await outcome(guestNote)).toMatchObject({ awards: 0, placeholders: [], events: [] });

    // A receiver limited to root/receiver, and a note in another project whose payload carries that path.
    const excluded = await createProject(admin, { path: "excluded" });
    await addMember(admin, excluded.id, bridge.id, 30);
    await addMember(admin, excluded.id, dev.id, 30);
    const limited = await startServe({
      GITLAB_URL: sandbox.url,
      GITLAB_TOKEN: bridge.token,
      WEBHOOK_SECRET: SECRET,
      BRIDGE_USER_ID: String(bridge.id),
      ALLOWED_PROJECTS: "root/receiver",
      SWEEP_INTERVAL_SECONDS: "0",
    });
    try {
      const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${excluded.id}/issues`, {
        title: "Elsewhere",
      });
      const deadThere = await admin.ok<{ id: number }>("POST", `/projects/${excluded.id}/hooks`, {
        url: "http://127.0.0.1:9/closed",
        token: SECRET,
        note_events: true,
      });
      const elsewhere = await dev.client.ok<{ id: number }>(
        "POST",
        `/projects/${excluded.id}/issues/${issue.iid}/notes`,
        { body: "@claude run here" },
      );
      await sandbox.idle();
      const events = await admin.ok<Delivery[]>(
        "GET",
        `/projects/${excluded.id}/hooks/${deadThere.id}/events`,
      );
      const payload = structuredClone(
        events.find((d) => JSON.stringify(d.request_data).includes(`"id":${elsewhere.id}`))!.request_data,
      ) as { project: { path_with_namespace: string } };
      payload.project.path_with_namespace = "root/receiver";
      expect((await send(limited.webhookUrl, payload)).status).toBe(202);
      const line = await limited.log.waitFor(
        (l) => l["noteId"] === elsewhere.id && l["msg"] === "mention task",
      );
      expect(line["reason"]).toBe("project not in ALLOWED_PROJECTS or ALLOWED_GROUPS");
      const s = await state();
      expect(
        s.notes.filter((n) => n.author_id === bridge.id && parseMarker(n.body)?.note === elsewhere.id),
      ).toEqual([]);
      expect(s.award_emoji.filter((a) => a.awardable_id === elsewhere.id && a.user_id === bridge.id)).toEqual(
        [],
      );
      expect(s.pipelines.filter((p) => JSON.stringify(p).includes(`"noteId":${elsewhere.id}`))).toEqual([]);
    } finally {
      limited.child.kill("SIGTERM");
      await admin.ok("DELETE", `/projects/${projectId}/hooks/${dead.id}`);
    }
  });
});

describe("per-project webhook secrets: one leaked secret opens one project", () => {
  // GitLab sends a hook's secret token as it is in X-Gitlab-Token (WebHookService#build_headers), one per
  // hook: with WEBHOOK_SECRET_KEY each project's hook carries a secret derived for that project alone.
  it("serves each project's own deliveries, and refuses project A's secret on a delivery claiming project B", async () => {
    const key = "integration-per-project-key-0123456789";
    const files = {
      ".gitlab-ci.yml": "agent:\n  rules:\n    - if: $AGENT_BRIDGE_EVENT\n  script:\n    - echo run\n",
    };
    const [a, b] = await Promise.all([
      createProject(admin, { path: "scoped-a", files }),
      createProject(admin, { path: "scoped-b", files }),
    ]);
    for (const project of [a, b]) {
      await addMember(admin, project.id, bridge.id, 30);
      await addMember(admin, project.id, dev.id, 30);
    }
    const scoped = await startServe({
      GITLAB_URL: sandbox.url,
      GITLAB_TOKEN: bridge.token,
      WEBHOOK_SECRET_KEY: key,
      BRIDGE_USER_ID: String(bridge.id),
      SWEEP_INTERVAL_SECONDS: "0",
    });
    try {
      const hooks = new Map<number, number>();
      for (const project of [a, b]) {
        const hook = await admin.ok<{ id: number }>("POST", `/projects/${project.id}/hooks`, {
          url: scoped.webhookUrl,
          token: deriveWebhookSecret(key, { projectId: project.id }),
          note_events: true,
        });
        hooks.set(project.id, hook.id);
      }
      const post = async (projectId: number) => {
        const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${projectId}/issues`, {
          title: "Scoped",
        });
        const note = await dev.client.ok<{ id: number }>(
          "POST",
          `/projects/${projectId}/issues/${issue.iid}/notes`,
          { body: "@claude look" },
        );
        await sandbox.idle();
        return note.id;
      };
      // Each project's hook, with its own secret: served.
      const inA = await post(a.id);
      const inB = await post(b.id);
      for (const noteId of [inA, inB]) {
        const line = await scoped.log.waitFor((l) => l["noteId"] === noteId && l["msg"] === "mention task");
        expect(line["result"]).toBe("dispatched");
      }

      // A note in B that no delivery brought to the receiver (B's hook is gone; a dead hook records the
      // payload), sent with A's secret (the one that leaked): 401, nothing claimed, placed or run.
      await admin.ok("DELETE", `/projects/${b.id}/hooks/${hooks.get(b.id)}`);
      const dead = await admin.ok<{ id: number }>("POST", `/projects/${b.id}/hooks`, {
        url: "http://127.0.0.1:9/closed",
        note_events: true,
      });
      const unserved = await post(b.id);
      const events = await admin.ok<Delivery[]>("GET", `/projects/${b.id}/hooks/${dead.id}/events`);
      const recorded = events.find((d) => JSON.stringify(d.request_data).includes(`"id":${unserved}`))!;
      const send = (projectId: number, idempotencyKey: string) =>
        fetch(scoped.webhookUrl, {
          method: "POST",
          headers: {
            ...recorded.request_headers,
            "X-Gitlab-Token": deriveWebhookSecret(key, { projectId }),
            "Idempotency-Key": idempotencyKey,
          },
          body: JSON.stringify(recorded.request_data),
        });
      const before = scoped.log.lines.length;
      expect((await send(a.id, "forged-with-a")).status).toBe(401);
      const refused = await scoped.log.waitFor((l) => l["status"] === 401, before);
      expect(refused["reason"]).toBe("wrong X-Gitlab-Token");
      expect(scoped.log.lines.slice(before).filter((l) => l["msg"] === "mention task")).toEqual([]);
      expect(await outcome(unserved)).toEqual({ awards: 0, placeholders: [], events: [] });

      // The same delivery with B's own secret is served: the secret, nothing else, made the difference.
      expect((await send(b.id, "with-b")).status).toBe(202);
      const served = await scoped.log.waitFor(settledNote(unserved), before);
      expect(served["result"]).toBe("dispatched");
      expect(await outcome(unserved)).toMatchObject({ awards: 1, placeholders: [expect.anything()] });
    } finally {
      scoped.child.kill("SIGTERM");
    }
  });
});

describe("who may summon: bots, a denylist and people below the role threshold", () => {
  // GitLab's users API says `bot: true` for project and group access tokens' users and service accounts
  // (API::Entities::User exposes `bot?` as `bot`, lib/api/entities/user.rb).
  it("refuses bots unless ALLOWED_BOTS names them, DENIED_USERS always, and lets ALLOWED_USERS in below it", async () => {
    const ciBot = await createUser(admin, "ci-bot", { bot: true });
    const helperBot = await createUser(admin, "helper-bot", { bot: true });
    const intern = await createUser(admin, "intern");
    const mallory = await createUser(admin, "mallory");
    const project = await createProject(admin, {
      path: "receiver-policy",
      files: {
        ".gitlab-ci.yml": "agent:\n  rules:\n    - if: $AGENT_BRIDGE_EVENT\n  script:\n    - echo ok\n",
      },
    });
    for (const [user, level] of [
      [bridge, 30],
      [ciBot, 30],
      [helperBot, 30],
      [intern, 10],
      [mallory, 40],
      [dev, 30],
    ] as const) {
      await addMember(admin, project.id, user.id, level);
    }
    const started = await startServe({
      GITLAB_URL: sandbox.url,
      GITLAB_TOKEN: bridge.token,
      WEBHOOK_SECRET: SECRET,
      BRIDGE_USER_ID: String(bridge.id),
      ALLOWED_BOTS: "Helper-Bot",
      ALLOWED_USERS: "intern",
      DENIED_USERS: "@mallory",
      SWEEP_INTERVAL_SECONDS: "0",
    });
    policyServe = started.child;
    await admin.ok("POST", `/projects/${project.id}/hooks`, {
      url: started.webhookUrl,
      token: SECRET,
      note_events: true,
    });
    const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, {
      title: "Who may ask",
    });
    const path = `/projects/${project.id}/issues/${issue.iid}/notes`;
    const runs = async (user: SandboxUser) =>
      (await outcome(await comment(user, "@claude fix this", path, started.log))).events.length;
    expect({
      ciBot: await runs(ciBot),
      helperBot: await runs(helperBot),
      intern: await runs(intern),
      mallory: await runs(mallory),
      dev: await runs(dev),
    }).toEqual({ ciBot: 0, helperBot: 1, intern: 1, mallory: 0, dev: 1 });
  });

  it("refuses a bot user by default", async () => {
    const otherBot = await createUser(admin, "other-bot", { bot: true });
    await addMember(admin, projectId, otherBot.id, 40);
    expect((await outcome(await comment(otherBot, "@claude fix this"))).events).toHaveLength(0);
  });
});
