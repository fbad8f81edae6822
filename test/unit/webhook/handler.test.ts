// The receiver (handler.ts) and the worker it hands mentions to (worker.ts), with a scripted client: the
// receiver's answer and the task it queues, the worker's decisions and the order and number of its GitLab
// calls. Their behaviour against a GitLab-like server over real HTTP is test/integration/webhook-handler.test.ts.
import { describe, expect, it } from "vitest";
import { createWebhookHandler, type WebhookRequest } from "../../../shared/webhook/handler.ts";
import type { MentionTask } from "../../../shared/webhook/mention-task.ts";
import { signWebhook } from "../../support/sign-webhook.ts";
import { createMentionWorker, RetryLater, type WorkResult } from "../../../shared/webhook/worker.ts";
import { deriveWebhookSecret } from "../../../shared/webhook/scoped-secrets.ts";
import { fixtureText, variant, type FixtureName } from "./fixture-payloads.ts";
import { apiError, award, note, pipeline, scriptedGitLab, type Route } from "./scripted-gitlab.ts";
import { BRIDGE_USER, TEST_SECRET, TEST_TOKEN, testSettings } from "./settings-for-tests.ts";

const NOW = Date.parse("2024-05-01T10:10:00Z");
const MENTION = "@claude please fix the secret-sauce bug";
const AWARD = "POST /projects/5/issues/17/notes/1241/award_emoji";
const DELETE_AWARD = "DELETE /projects/5/issues/17/notes/1241/award_emoji/77";
/** The note and the project, read back from GitLab beside the claim. */
const NOTE = "GET /projects/5/issues/17/notes/1241";
const PROJECT = "GET /projects/5";
const MEMBER = "GET /projects/5/members/all/1";
/** Who the author is by GitLab's users API (bot or not), beside the member check. */
const AUTHOR = "GET /users/1";
const PLACEHOLDER = "POST /projects/5/issues/17/notes";
const PIPELINE = "POST /projects/5/pipeline";
const ROUND_ONE = [NOTE, PROJECT, MEMBER, AUTHOR, AWARD];

function happyRoutes(
  gitlabNote: { body: string },
  overrides: Record<string, Route> = {},
): Record<string, Route> {
  let notes = 2000;
  return {
    "GET /user": () => ({ id: BRIDGE_USER, username: "bridge" }),
    // GitLab has the note the delivery describes, unless a test says otherwise.
    [NOTE]: () => ({ ...note(1241, 1, gitlabNote.body), system: false, noteable_iid: 17 }),
    [PROJECT]: () => ({ id: 5, path_with_namespace: "gitlab-org/gitlab-test", default_branch: "master" }),
    [MEMBER]: () => ({ id: 1, username: "root", access_level: 30 }),
    [AWARD]: () => award(77, BRIDGE_USER, "2024-05-01T10:10:00Z"),
    [DELETE_AWARD]: () => undefined,
    [PLACEHOLDER]: () => note(notes++, BRIDGE_USER, "placeholder"),
    [PIPELINE]: () => pipeline(300),
    "PUT /projects/5/issues/17/notes/\\d+": () => note(2000, BRIDGE_USER, "error"),
    ...overrides,
  };
}

/**
 * The receiver with a hand-off that runs the worker at once: `response` is what GitLab sees, `work` what the
 * worker did with the task (or the RetryLater it threw for the queue).
 */
function setup(options: { env?: Record<string, string | undefined>; routes?: Record<string, Route> } = {}) {
  const gitlabNote = { body: MENTION };
  const gitlab = scriptedGitLab(happyRoutes(gitlabNote, options.routes));
  const lines: string[] = [];
  const settings = testSettings(options.env);
  const log = (line: string) => lines.push(line);
  const worker = createMentionWorker({ settings, gitlab: gitlab.client, now: () => NOW, log });
  const tasks: MentionTask[] = [];
  const receive = createWebhookHandler({
    settings,
    now: () => NOW,
    log,
    handOff: async (task) => {
      tasks.push(task);
    },
  });
  const handle = async (request: WebhookRequest) => {
    const text = typeof request.rawBody === "string" ? request.rawBody : "";
    try {
      gitlabNote.body = (JSON.parse(text) as { object_attributes: { note: string } }).object_attributes.note;
    } catch {
      // not JSON: the receiver refuses it before any task exists
    }
    const before = tasks.length;
    const response = await receive(request);
    const task = tasks[before];
    let work: WorkResult | RetryLater | undefined;
    if (task) work = await worker(task).catch((error: RetryLater) => error);
    return { response, task, work };
  };
  return { handle, gitlab, lines, tasks };
}

function delivery(body: string, headers: Record<string, string> = {}): WebhookRequest {
  return {
    headers: {
      "X-Gitlab-Event": "Note Hook",
      "X-Gitlab-Token": TEST_SECRET,
      "X-Gitlab-Event-UUID": "6f4b1b6e-7d1a-4b43-9c58-0a1d1e9b2f10",
      "Idempotency-Key": "a9d1c8f0-5a6b-4c3d-8e2f-1b0a9c8d7e6f",
      ...headers,
    },
    rawBody: body,
  };
}

function mention(name: FixtureName = "note-on-issue", attributes: Record<string, unknown> = {}) {
  return JSON.stringify(variant(name, { note: MENTION, ...attributes }));
}

describe("shared/webhook/handler: the receiver", () => {
  it("answers a note without a mention with no outbound call and no task", async () => {
    const { handle, gitlab, lines, tasks } = setup({ env: { BRIDGE_USER_ID: undefined } });
    const { response } = await handle(delivery(fixtureText("note-on-issue")));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      result: "ignored",
      reason: "no mention of an enabled assistant",
    });
    expect(response.headers["content-type"]).toBe("application/json");
    expect(gitlab.calls).toHaveLength(0);
    expect(tasks).toHaveLength(0);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      result: "ignored",
      callCount: 0,
      project: "gitlab-org/gitlab-test",
    });
  });

  it("answers 202 once a mention is handed off, before any GitLab call, with ids and no text", async () => {
    const settings = testSettings();
    const lines: string[] = [];
    const tasks: MentionTask[] = [];
    const receive = createWebhookHandler({
      settings,
      now: () => NOW,
      log: (line) => lines.push(line),
      handOff: async (task) => {
        tasks.push(task);
      },
    });
    const response = await receive(delivery(mention()));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ result: "accepted" });
    expect(tasks).toEqual([
      {
        v: 1,
        projectId: 5,
        noteableType: "Issue",
        noteableIid: 17,
        noteId: 1241,
        authorId: 1,
        assistants: ["claude"],
        discussionId: null,
        confidential: false,
        eventUuid: "6f4b1b6e-7d1a-4b43-9c58-0a1d1e9b2f10",
        idempotencyKey: "a9d1c8f0-5a6b-4c3d-8e2f-1b0a9c8d7e6f",
        receivedAt: NOW,
        source: "webhook",
        scope: { kind: "instance" },
      },
    ]);
    expect(JSON.stringify(tasks)).not.toContain("secret-sauce");
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ status: 202, result: "accepted", callCount: 0 });
  });

  it("answers 503 when the hand-off fails (the sweep finds the mention later)", async () => {
    const receive = createWebhookHandler({
      settings: testSettings(),
      now: () => NOW,
      log: () => undefined,
      handOff: () => Promise.reject(new Error("backlog full (1000 tasks)")),
    });
    const response = await receive(delivery(mention()));
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      result: "error",
      reason: "the mention could not be queued (backlog full (1000 tasks))",
    });
  });

  it("answers 401 with one generic message, making no call", async () => {
    const { handle, gitlab, lines } = setup();
    for (const token of ["wrong", ""]) {
      const { response } = await handle(delivery(mention(), { "X-Gitlab-Token": token }));
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toEqual({
        result: "rejected",
        reason: "invalid webhook token or signature",
      });
    }
    expect(gitlab.calls).toHaveLength(0);
    expect(JSON.parse(lines[0] ?? "").reason).toBe("wrong X-Gitlab-Token");
  });

  it("checks signatures when a signing secret is configured", async () => {
    const key = Buffer.from("0123456789abcdef0123456789abcdef");
    const { handle } = setup({ env: { WEBHOOK_SIGNING_SECRET: `whsec_${key.toString("base64")}` } });
    const body = fixtureText("note-on-issue");
    const stamp = String(NOW / 1000);
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": stamp };
    const good = await handle(
      delivery(body, { ...headers, "webhook-signature": signWebhook(key, "msg_1", NOW / 1000, body) }),
    );
    expect(good.response.status).toBe(202);
    const bad = await handle(
      delivery(body, { ...headers, "webhook-signature": signWebhook(key, "msg_2", NOW / 1000, body) }),
    );
    expect(bad.response.status).toBe(401);
  });

  it("answers 413, 400 and 202 for oversized, malformed and other deliveries", async () => {
    const { handle, gitlab } = setup({ env: { MAX_BODY_BYTES: "8192" } });
    expect((await handle(delivery("x".repeat(8193)))).response.status).toBe(413);
    expect((await handle(delivery("{nope"))).response.status).toBe(400);
    const push = await handle(delivery(fixtureText("note-on-issue"), { "X-Gitlab-Event": "Push Hook" }));
    expect(push.response.status).toBe(202);
    expect(JSON.parse(push.response.body).result).toBe("ignored");
    expect(gitlab.calls).toHaveLength(0);
  });

  it("falls back to the event UUID as the idempotency key", async () => {
    const { handle, lines } = setup();
    const request = delivery(fixtureText("note-on-issue"));
    delete request.headers["Idempotency-Key"];
    await handle(request);
    expect(JSON.parse(lines[0] ?? "").idempotencyKey).toBe("6f4b1b6e-7d1a-4b43-9c58-0a1d1e9b2f10");
  });
});

describe("per-project and per-group webhook secrets (scoped-secrets.ts): one leaked secret opens one scope", () => {
  const KEY = "per-project-key-0123456789abcdef-0123";
  const scoped = { WEBHOOK_SECRET: undefined, WEBHOOK_SECRET_KEY: KEY };
  const withPath = (path: string) =>
    JSON.stringify({
      ...JSON.parse(mention()),
      project: { ...JSON.parse(mention()).project, path_with_namespace: path },
    });

  it("serves a delivery carrying its own project's secret, and only that project", async () => {
    const { handle, gitlab } = setup({ env: scoped });
    const token = deriveWebhookSecret(KEY, { projectId: 5 });
    const { response, task, work } = await handle(delivery(mention(), { "X-Gitlab-Token": token }));
    expect(response.status).toBe(202);
    expect(task?.scope).toEqual({ kind: "project", projectId: 5 });
    expect(work).toMatchObject({ result: "dispatched" });
    expect(gitlab.rounds()).toBe(3);
  });

  it("refuses a delivery signed with project A's secret that claims project B: 401, no task, no call", async () => {
    const { handle, gitlab, tasks } = setup({ env: scoped });
    const projectSix = deriveWebhookSecret(KEY, { projectId: 6 });
    const { response } = await handle(delivery(mention(), { "X-Gitlab-Token": projectSix }));
    expect(response.status).toBe(401);
    expect(tasks).toEqual([]);
    expect(gitlab.calls).toEqual([]);
    // The shared secret is off when only the key is set.
    expect((await handle(delivery(mention()))).response.status).toBe(401);
  });

  it("serves a group hook's delivery for a project GitLab puts in the group, claiming after the project is read", async () => {
    const { handle, gitlab } = setup({ env: scoped });
    const group = deriveWebhookSecret(KEY, { groupPath: "GitLab-Org" });
    const { task, work } = await handle(delivery(mention(), { "X-Gitlab-Token": group }));
    expect(task?.scope).toEqual({ kind: "group", groupPath: "gitlab-org" });
    expect(work).toMatchObject({ result: "dispatched" });
    expect(gitlab.calls.filter((c) => c.round === 2).map((c) => `${c.method} ${c.path}`)).toEqual([AWARD]);
    expect(gitlab.rounds()).toBe(4);
  });

  it("places nothing, not even the claim, for a group secret on a payload moving a project into that group", async () => {
    const { handle, gitlab } = setup({ env: scoped });
    const other = deriveWebhookSecret(KEY, { groupPath: "attacker" });
    // Project 5 is gitlab-org/gitlab-test in GitLab; the payload says attacker/gitlab-test.
    const { response, work } = await handle(
      delivery(withPath("attacker/gitlab-test"), { "X-Gitlab-Token": other }),
    );
    expect(response.status).toBe(202);
    expect(work).toMatchObject({
      result: "ignored",
      reason: "the delivery's secret is a group's the project is not in (as GitLab says)",
    });
    expect(gitlab.log().filter((call) => !call.startsWith("GET "))).toEqual([]);
  });

  it("keeps accepting the shared secret beside the key while hooks move to their own", async () => {
    const { handle } = setup({ env: { WEBHOOK_SECRET_KEY: KEY } });
    const { task, work } = await handle(delivery(mention()));
    expect(task?.scope).toEqual({ kind: "instance" });
    expect(work).toMatchObject({ result: "dispatched" });
  });
});

describe("shared/webhook/worker: the GitLab work of a mention", () => {
  it("reads back the note and project beside the claim: three round trips and seven calls", async () => {
    const { handle, gitlab } = setup();
    const { work } = await handle(delivery(mention()));
    expect(work).toEqual({
      result: "dispatched",
      runs: [{ assistant: "claude", placeholderNoteId: 2000, pipelineId: 300 }],
    });
    expect(gitlab.calls.map((c) => `${c.round} ${c.method} ${c.path}`)).toEqual([
      ...ROUND_ONE.map((call) => `1 ${call}`),
      `2 ${PLACEHOLDER}`,
      `3 ${PIPELINE}`,
    ]);
  });

  it("looks the bridge's user up once, beside the first claim, when BRIDGE_USER_ID is unset", async () => {
    const { handle, gitlab } = setup({ env: { BRIDGE_USER_ID: undefined } });
    await handle(delivery(mention()));
    expect(gitlab.calls.filter((c) => c.round === 1).map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /user",
      ...ROUND_ONE,
    ]);
    expect(gitlab.rounds()).toBe(3);
    gitlab.calls.length = 0;
    await handle(delivery(mention("note-on-issue", { id: 1242 })));
    expect(gitlab.log()).not.toContain("GET /user");
  });

  it("ignores a mention by the bridge's own user found by the lookup, giving the claim back", async () => {
    const { handle, gitlab } = setup({
      env: { BRIDGE_USER_ID: undefined },
      routes: { "GET /user": () => ({ id: 1, username: "root" }) },
    });
    const { work } = await handle(delivery(mention()));
    expect(work).toEqual({ result: "ignored", reason: "note by the bridge's user" });
    expect(gitlab.log()).toContain(DELETE_AWARD);
  });

  it("sends both assistants' placeholders and pipelines in parallel", async () => {
    const { handle, gitlab } = setup();
    const { work } = await handle(delivery(mention("note-on-issue", { note: "@claude @codex compare" })));
    expect((work as WorkResult).runs).toHaveLength(2);
    expect(gitlab.rounds()).toBe(3);
    expect(gitlab.calls).toHaveLength(9);
  });

  it.each([
    ["below the minimum level", () => ({ id: 1, username: "root", access_level: 20 })],
    ["not a member", () => apiError(404, "404 Not found")],
  ])("ignores an author %s, takes the award back and leaves the refusal's 🚫", async (_why, memberRoute) => {
    const { handle, gitlab } = setup({ routes: { [MEMBER]: memberRoute } });
    const { response, work } = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(work).toEqual({ result: "ignored", reason: "insufficient access" });
    expect(gitlab.log()).toEqual([...ROUND_ONE, AWARD, DELETE_AWARD]);
    const awards = gitlab.calls.filter((c) => `${c.method} ${c.path}` === AWARD);
    expect(awards.map((c) => [c.round, (c.options.json as { name: string }).name])).toEqual([
      [1, "eyes"],
      [2, "no_entry_sign"],
    ]);
  });

  it.each([
    [
      "a bot user",
      { ALLOWED_BOTS: undefined },
      { bot: true, username: "ci-bot" },
      "author is a bot user not in ALLOWED_BOTS",
    ],
    [
      "a bot user not named in ALLOWED_BOTS",
      { ALLOWED_BOTS: "other-bot" },
      { bot: true, username: "ci-bot" },
      "author is a bot user not in ALLOWED_BOTS",
    ],
    [
      "a user in DENIED_USERS",
      { DENIED_USERS: "Mallory" },
      { bot: false, username: "mallory" },
      "author in DENIED_USERS",
    ],
  ])("ignores %s and takes the award back", async (_who, env, user, reason) => {
    const { handle, gitlab } = setup({ env, routes: { [AUTHOR]: () => ({ id: 1, ...user }) } });
    const { work } = await handle(delivery(mention()));
    expect(work).toEqual({ result: "ignored", reason });
    expect(gitlab.log()).toContain(DELETE_AWARD);
    expect(gitlab.log()).not.toContain(PLACEHOLDER);
  });

  it("lets an ALLOWED_BOTS bot and an ALLOWED_USERS person below MIN_ACCESS_LEVEL summon", async () => {
    const bot = setup({
      env: { ALLOWED_BOTS: "*" },
      routes: { [AUTHOR]: () => ({ id: 1, username: "ci-bot", bot: true }) },
    });
    expect(((await bot.handle(delivery(mention()))).work as WorkResult).result).toBe("dispatched");
    const intern = setup({
      env: { ALLOWED_USERS: "intern" },
      routes: {
        [AUTHOR]: () => ({ id: 1, username: "Intern", bot: false }),
        [MEMBER]: () => apiError(404, "404 Not found"),
      },
    });
    expect(((await intern.handle(delivery(mention()))).work as WorkResult).result).toBe("dispatched");
  });

  it("honours MIN_ACCESS_LEVEL", async () => {
    const { handle } = setup({
      env: { MIN_ACCESS_LEVEL: "reporter" },
      routes: { [MEMBER]: () => ({ id: 1, username: "r", access_level: 20 }) },
    });
    expect(((await handle(delivery(mention()))).work as WorkResult).result).toBe("dispatched");
  });

  it("decides on the note GitLab has, not the payload's text, author or system flag", async () => {
    const plain = setup({
      routes: { [NOTE]: () => ({ ...note(1241, 1, "just a comment"), system: false }) },
    });
    expect((await plain.handle(delivery(mention()))).work).toEqual({
      result: "ignored",
      reason: "no mention of an enabled assistant in the note GitLab has",
    });
    expect(plain.gitlab.log()).toContain(DELETE_AWARD);
    const someoneElse = setup({ routes: { [NOTE]: () => ({ ...note(1241, 99, MENTION), system: false }) } });
    expect((await someoneElse.handle(delivery(mention()))).work).toEqual({
      result: "ignored",
      reason: "the delivery's user is not the note's author in GitLab",
    });
    const system = setup({ routes: { [NOTE]: () => ({ ...note(1241, 1, MENTION), system: true }) } });
    expect((await system.handle(delivery(mention()))).work).toMatchObject({ reason: "system note" });
    const gone = setup({ routes: { [NOTE]: () => apiError(404, "404 Not found") } });
    expect((await gone.handle(delivery(mention()))).work).toMatchObject({ result: "ignored" });
    for (const s of [someoneElse, system, gone]) expect(s.gitlab.log()).not.toContain(PLACEHOLDER);
  });

  it("checks ALLOWED_PROJECTS against the project GitLab returns for the id it acts on", async () => {
    const { handle, gitlab } = setup({
      env: { ALLOWED_PROJECTS: "gitlab-org/gitlab-test" },
      routes: { [PROJECT]: () => ({ id: 5, path_with_namespace: "other/excluded", default_branch: "main" }) },
    });
    const { response, work } = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(work).toEqual({ result: "ignored", reason: "project not in ALLOWED_PROJECTS or ALLOWED_GROUPS" });
    expect(gitlab.log()).not.toContain(PLACEHOLDER);
  });

  it("answers a second task for a claimed note as a duplicate", async () => {
    const { handle, gitlab } = setup({
      routes: {
        [AWARD]: () => apiError(404, "404 Award Emoji Name has already been taken", "POST"),
        "GET /projects/5/issues/17/notes/1241/award_emoji": () => [
          award(77, BRIDGE_USER, "2024-05-01T10:09:30Z"),
        ],
      },
    });
    const { work } = await handle(delivery(mention()));
    expect(work).toEqual({ result: "duplicate", reason: "claimed by another delivery" });
    expect(gitlab.log()).not.toContain(PLACEHOLDER);
  });

  it("recovers a claim left without a placeholder after the grace period", async () => {
    const { handle } = setup({
      routes: {
        [AWARD]: () => apiError(404, "404 Award Emoji Name has already been taken", "POST"),
        "GET /projects/5/issues/17/notes/1241/award_emoji": () => [
          award(77, BRIDGE_USER, "2024-05-01T10:00:00Z"),
        ],
        "GET /projects/5/issues/17/notes": () => [note(1241, 1, MENTION)],
      },
    });
    const { work } = await handle(delivery(mention()));
    expect(work).toMatchObject({
      result: "dispatched",
      reason: "recovered a claim left without placeholders",
    });
  });

  it("gives the claim back and asks for a retry when no placeholder could be written", async () => {
    const { handle, gitlab } = setup({
      routes: { [PLACEHOLDER]: () => apiError(0, "no answer within the deadline", "POST") },
    });
    const { response, work } = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(work).toBeInstanceOf(RetryLater);
    expect(gitlab.log()).toContain(DELETE_AWARD);
  });

  it("ends with a refusal that a retry would not fix, after giving the claim back", async () => {
    const { handle, gitlab } = setup({
      routes: { [PLACEHOLDER]: () => apiError(403, "403 Forbidden", "POST") },
    });
    const { work } = await handle(delivery(mention()));
    expect(work).toMatchObject({ result: "failed" });
    expect(gitlab.log()).toContain(DELETE_AWARD);
  });

  it.each([
    ["the member check", { [MEMBER]: () => apiError(502, "Bad Gateway") }],
    ["the claim", { [AWARD]: () => apiError(503, "Service Unavailable", "POST") }],
    ["reading the note", { [NOTE]: () => apiError(503, "Service Unavailable") }],
  ])("asks for a retry when GitLab fails %s", async (_what, routes) => {
    const { handle } = setup({ routes });
    const { response, work } = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(work).toBeInstanceOf(RetryLater);
  });

  it("reports a failed pipeline as failed and leaves the placeholder with the error", async () => {
    const { handle, gitlab } = setup({
      routes: {
        [PIPELINE]: () => apiError(400, "Insufficient permissions to set pipeline variables", "POST"),
      },
    });
    const { work } = await handle(delivery(mention()));
    expect(work).toMatchObject({
      result: "failed",
      runs: [{ assistant: "claude", placeholderNoteId: 2000, pipelineId: null }],
    });
    expect(gitlab.log()).toContain("PUT /projects/5/issues/17/notes/2000");
    expect(gitlab.log()).not.toContain(DELETE_AWARD);
  });

  it("logs one JSON line per delivery and per task without the note's text or any secret", async () => {
    const { handle, lines } = setup();
    await handle(delivery(mention()));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ msg: "webhook delivery", result: "accepted" });
    const line = lines[1] ?? "";
    expect(JSON.parse(line)).toMatchObject({
      msg: "mention task",
      eventUuid: "6f4b1b6e-7d1a-4b43-9c58-0a1d1e9b2f10",
      idempotencyKey: "a9d1c8f0-5a6b-4c3d-8e2f-1b0a9c8d7e6f",
      project: "gitlab-org/gitlab-test",
      noteId: 1241,
      result: "dispatched",
      durationMs: 0,
      callCount: 7,
      attempt: 1,
      source: "webhook",
    });
    for (const l of lines) {
      for (const secret of ["secret-sauce", TEST_SECRET, TEST_TOKEN]) expect(l).not.toContain(secret);
    }
  });
});
