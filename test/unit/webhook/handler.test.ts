// The handler's decisions and the order and number of its GitLab calls, with a scripted client. Its
// behaviour against a GitLab-like server over real HTTP is test/integration/webhook-handler.test.ts.
import { describe, expect, it } from "vitest";
import { createWebhookHandler, type WebhookRequest } from "../../../shared/webhook/handler.ts";
import { signWebhook } from "../../../shared/webhook/verify.ts";
import { fixtureText, variant, type FixtureName } from "./fixture-payloads.ts";
import { apiError, award, note, pipeline, scriptedGitLab, type Route } from "./scripted-gitlab.ts";
import { BRIDGE_USER, TEST_SECRET, TEST_TOKEN, testSettings } from "./settings-for-tests.ts";

const NOW = Date.parse("2024-05-01T10:10:00Z");
const MENTION = "@claude please fix the secret-sauce bug";
const AWARD = "POST /projects/5/issues/17/notes/1241/award_emoji";
const DELETE_AWARD = "DELETE /projects/5/issues/17/notes/1241/award_emoji/77";
const MEMBER = "GET /projects/5/members/all/1";
/** Who the author is by GitLab's users API (bot or not), beside the member check. */
const AUTHOR = "GET /users/1";
const PLACEHOLDER = "POST /projects/5/issues/17/notes";
const PIPELINE = "POST /projects/5/pipeline";

function happyRoutes(overrides: Record<string, Route> = {}): Record<string, Route> {
  let notes = 2000;
  return {
    "GET /user": () => ({ id: BRIDGE_USER, username: "bridge" }),
    [MEMBER]: () => ({ id: 1, username: "root", access_level: 30 }),
    [AWARD]: () => award(77, BRIDGE_USER, "2024-05-01T10:10:00Z"),
    [DELETE_AWARD]: () => undefined,
    [PLACEHOLDER]: () => note(notes++, BRIDGE_USER, "placeholder"),
    [PIPELINE]: () => pipeline(300),
    "PUT /projects/5/issues/17/notes/\\d+": () => note(2000, BRIDGE_USER, "error"),
    ...overrides,
  };
}

function setup(options: { env?: Record<string, string | undefined>; routes?: Record<string, Route> } = {}) {
  const gitlab = scriptedGitLab(happyRoutes(options.routes));
  const lines: string[] = [];
  const handle = createWebhookHandler({
    settings: testSettings(options.env),
    gitlab: gitlab.client,
    now: () => NOW,
    log: (line) => lines.push(line),
  });
  return { handle, gitlab, lines };
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

describe("shared/webhook/handler", () => {
  it("answers a note without a mention with no outbound call", async () => {
    const { handle, gitlab, lines } = setup({ env: { BRIDGE_USER_ID: undefined } });
    const response = await handle(delivery(fixtureText("note-on-issue")));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      result: "ignored",
      reason: "no mention of an enabled assistant",
    });
    expect(response.headers["content-type"]).toBe("application/json");
    expect(gitlab.calls).toHaveLength(0);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      result: "ignored",
      callCount: 0,
      project: "gitlab-org/gitlab-test",
    });
  });

  it("dispatches a mention in three round trips and five calls", async () => {
    const { handle, gitlab } = setup();
    const response = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      result: "dispatched",
      runs: [{ assistant: "claude", placeholderNoteId: 2000, pipelineId: 300 }],
    });
    expect(gitlab.calls.map((c) => `${c.round} ${c.method} ${c.path}`)).toEqual([
      `1 ${MEMBER}`,
      `1 ${AUTHOR}`,
      `1 ${AWARD}`,
      `2 ${PLACEHOLDER}`,
      `3 ${PIPELINE}`,
    ]);
  });

  it("looks the bridge's user up once, beside the first claim, when BRIDGE_USER_ID is unset", async () => {
    const { handle, gitlab } = setup({ env: { BRIDGE_USER_ID: undefined } });
    await handle(delivery(mention()));
    expect(gitlab.calls.filter((c) => c.round === 1).map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /user",
      MEMBER,
      AUTHOR,
      AWARD,
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
    const response = await handle(delivery(mention()));
    expect(JSON.parse(response.body)).toEqual({ result: "ignored", reason: "note by the bridge's user" });
    expect(gitlab.log()).toContain("DELETE /projects/5/issues/17/notes/1241/award_emoji/77");
  });

  it("sends both assistants' placeholders and pipelines in parallel", async () => {
    const { handle, gitlab } = setup();
    const response = await handle(delivery(mention("note-on-issue", { note: "@claude @codex compare" })));
    expect(JSON.parse(response.body).runs).toHaveLength(2);
    expect(gitlab.rounds()).toBe(3);
    expect(gitlab.calls).toHaveLength(7);
  });

  it.each([
    ["below the minimum level", () => ({ id: 1, username: "root", access_level: 20 })],
    ["not a member", () => apiError(404, "404 Not found")],
  ])("ignores an author %s and takes the award back", async (_why, memberRoute) => {
    const { handle, gitlab } = setup({ routes: { [MEMBER]: memberRoute } });
    const response = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ result: "ignored", reason: "insufficient access" });
    expect(gitlab.log()).toEqual([MEMBER, AUTHOR, AWARD, DELETE_AWARD]);
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
    const response = await handle(delivery(mention()));
    expect(JSON.parse(response.body)).toEqual({ result: "ignored", reason });
    expect(gitlab.log()).toContain(DELETE_AWARD);
    expect(gitlab.log()).not.toContain(PLACEHOLDER);
  });

  it("lets an ALLOWED_BOTS bot and an ALLOWED_USERS person below MIN_ACCESS_LEVEL summon", async () => {
    const bot = setup({
      env: { ALLOWED_BOTS: "*" },
      routes: { [AUTHOR]: () => ({ id: 1, username: "ci-bot", bot: true }) },
    });
    expect(JSON.parse((await bot.handle(delivery(mention()))).body).result).toBe("dispatched");
    const intern = setup({
      env: { ALLOWED_USERS: "intern" },
      routes: {
        [AUTHOR]: () => ({ id: 1, username: "Intern", bot: false }),
        [MEMBER]: () => apiError(404, "404 Not found"),
      },
    });
    expect(JSON.parse((await intern.handle(delivery(mention()))).body).result).toBe("dispatched");
  });

  it("honours MIN_ACCESS_LEVEL", async () => {
    const { handle } = setup({
      env: { MIN_ACCESS_LEVEL: "reporter" },
      routes: { [MEMBER]: () => ({ id: 1, username: "r", access_level: 20 }) },
    });
    expect(JSON.parse((await handle(delivery(mention()))).body).result).toBe("dispatched");
  });

  it("answers a redelivery of a claimed note as a duplicate", async () => {
    const { handle, gitlab } = setup({
      routes: {
        [AWARD]: () => apiError(404, "404 Award Emoji Name has already been taken", "POST"),
        "GET /projects/5/issues/17/notes/1241/award_emoji": () => [
          award(77, BRIDGE_USER, "2024-05-01T10:09:30Z"),
        ],
      },
    });
    const response = await handle(delivery(mention()));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ result: "duplicate", reason: "claimed by another delivery" });
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
    const response = await handle(delivery(mention()));
    expect(JSON.parse(response.body)).toMatchObject({
      result: "dispatched",
      reason: "recovered a claim left without placeholders",
    });
  });

  it("gives the claim back and answers 503 when no placeholder could be written", async () => {
    const { handle, gitlab } = setup({
      routes: { [PLACEHOLDER]: () => apiError(0, "no answer within the deadline", "POST") },
    });
    const response = await handle(delivery(mention()));
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ result: "error" });
    expect(gitlab.log()).toContain(DELETE_AWARD);
  });

  it("acknowledges a refusal that a redelivery would not fix, after giving the claim back", async () => {
    const { handle, gitlab } = setup({
      routes: { [PLACEHOLDER]: () => apiError(403, "403 Forbidden", "POST") },
    });
    const response = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ result: "failed" });
    expect(gitlab.log()).toContain(DELETE_AWARD);
  });

  it.each([
    ["the member check", { [MEMBER]: () => apiError(502, "Bad Gateway") }],
    ["the claim", { [AWARD]: () => apiError(503, "Service Unavailable", "POST") }],
  ])("answers 503 when GitLab fails %s", async (_what, routes) => {
    const { handle } = setup({ routes });
    expect((await handle(delivery(mention()))).status).toBe(503);
  });

  it("reports a failed pipeline as failed and leaves the placeholder with the error", async () => {
    const { handle, gitlab } = setup({
      routes: {
        [PIPELINE]: () => apiError(400, "Insufficient permissions to set pipeline variables", "POST"),
      },
    });
    const response = await handle(delivery(mention()));
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({
      result: "failed",
      runs: [{ assistant: "claude", placeholderNoteId: 2000, pipelineId: null }],
    });
    expect(gitlab.log()).toContain("PUT /projects/5/issues/17/notes/2000");
    expect(gitlab.log()).not.toContain(DELETE_AWARD);
  });

  it("answers 401 with one generic message, making no call", async () => {
    const { handle, gitlab, lines } = setup();
    for (const token of ["wrong", ""]) {
      const response = await handle(delivery(mention(), { "X-Gitlab-Token": token }));
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
    expect(good.status).toBe(202);
    const bad = await handle(
      delivery(body, { ...headers, "webhook-signature": signWebhook(key, "msg_2", NOW / 1000, body) }),
    );
    expect(bad.status).toBe(401);
  });

  it("answers 413, 400 and 202 for oversized, malformed and other deliveries", async () => {
    const { handle, gitlab } = setup({ env: { MAX_BODY_BYTES: "8192" } });
    expect((await handle(delivery("x".repeat(8193)))).status).toBe(413);
    expect((await handle(delivery("{nope"))).status).toBe(400);
    const push = await handle(delivery(fixtureText("note-on-issue"), { "X-Gitlab-Event": "Push Hook" }));
    expect(push.status).toBe(202);
    expect(JSON.parse(push.body).result).toBe("ignored");
    expect(gitlab.calls).toHaveLength(0);
  });

  it("logs one JSON line per delivery without the note's text or any secret", async () => {
    const { handle, lines } = setup();
    await handle(delivery(mention()));
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(JSON.parse(line)).toMatchObject({
      msg: "webhook delivery",
      eventUuid: "6f4b1b6e-7d1a-4b43-9c58-0a1d1e9b2f10",
      idempotencyKey: "a9d1c8f0-5a6b-4c3d-8e2f-1b0a9c8d7e6f",
      project: "gitlab-org/gitlab-test",
      noteId: 1241,
      status: 202,
      result: "dispatched",
      durationMs: 0,
      callCount: 5,
      calls: [
        { method: "GET", path: "/projects/5/members/all/1", outcome: "ok", ms: 0 },
        { method: "GET", path: "/users/1", outcome: "ok", ms: 0 },
        { method: "POST", path: "/projects/5/issues/17/notes/1241/award_emoji", outcome: "ok", ms: 0 },
        { method: "POST", path: "/projects/5/issues/17/notes", outcome: "ok", ms: 0 },
        { method: "POST", path: "/projects/5/pipeline", outcome: "ok", ms: 0 },
      ],
    });
    for (const secret of ["secret-sauce", TEST_SECRET, TEST_TOKEN]) expect(line).not.toContain(secret);
  });

  it("falls back to the event UUID as the idempotency key", async () => {
    const { handle, lines } = setup();
    const request = delivery(fixtureText("note-on-issue"));
    delete request.headers["Idempotency-Key"];
    await handle(request);
    expect(JSON.parse(lines[0] ?? "").idempotencyKey).toBe("6f4b1b6e-7d1a-4b43-9c58-0a1d1e9b2f10");
  });
});
