import { describe, expect, it } from "vitest";
import type { TriggerPolicySettings } from "../../../job/settings/types.ts";
import { parseMarker } from "../../../shared/placeholder/marker.ts";
import type { NoteHook } from "../../../shared/gitlab/webhook-schema.ts";
import { encodeBridgeEvent, type BridgeEvent } from "../../../shared/webhook/bridge-event.ts";
import {
  decodeEvent,
  EventInputError,
  readEventInput,
  type EventInput,
  type ReadEventOptions,
} from "../../../job/event-input.ts";
import { parsePlaceholderStatus } from "../../../shared/placeholder/marker.ts";
import { acceptTriggerPayload } from "../../../job/trigger-payload.ts";
import { fixture, fixtureText, variant } from "../webhook/fixture-payloads.ts";
import { apiError, award, note, scriptedGitLab } from "../webhook/scripted-gitlab.ts";

const event: BridgeEvent = {
  assistant: "claude",
  projectId: 5,
  projectPath: "gitlab-org/gitlab-test",
  noteableType: "Issue",
  noteableIid: 17,
  noteId: 1241,
  discussionId: null,
  placeholderNoteId: 1300,
  authorId: 1,
  authorUsername: "root",
  instruction: "@claude fix it",
  confidential: false,
};

const notCalled = (): Promise<EventInput> => {
  throw new Error("acceptTrigger should not be called");
};

function read(env: Record<string, string | undefined>, more: Partial<ReadEventOptions> = {}) {
  return readEventInput({
    env,
    assistant: undefined,
    readFile: () => Promise.reject(Object.assign(new Error("no"), { code: "ENOENT" })),
    acceptTrigger: notCalled,
    ...more,
  });
}

describe("job/event-input", () => {
  it("reads AGENT_BRIDGE_EVENT first", async () => {
    const input = await read({
      AGENT_BRIDGE_EVENT: encodeBridgeEvent(event),
      AI_FLOW_CONTEXT: "{not read",
      TRIGGER_PAYLOAD: "{not read",
    });
    expect(input).toEqual({ kind: "event", event, source: "AGENT_BRIDGE_EVENT" });
  });

  it("falls back to AI_FLOW_CONTEXT, with AI_FLOW_INPUT as the instruction", async () => {
    const { instruction: _left, ...withoutInstruction } = event;
    const input = await read({
      AGENT_BRIDGE_EVENT: "  ",
      AI_FLOW_CONTEXT: JSON.stringify(withoutInstruction),
      AI_FLOW_INPUT: "@claude from the flow",
      AI_FLOW_EVENT: "mention",
    });
    expect(input).toEqual({
      kind: "event",
      event: { ...event, instruction: "@claude from the flow" },
      source: "AI_FLOW_CONTEXT",
    });
  });

  it("keeps a confidential note's text out even when AI_FLOW_INPUT has some", async () => {
    const { instruction: _left, ...rest } = event;
    const input = await read({
      AI_FLOW_CONTEXT: JSON.stringify({ ...rest, confidential: true }),
      AI_FLOW_INPUT: "text",
    });
    expect(input.kind === "event" && input.event.instruction).toBe(undefined);
  });

  it("skips AI_FLOW events other than the receiver's (mention, assign, assign_reviewer)", async () => {
    const input = await read({ AI_FLOW_CONTEXT: encodeBridgeEvent(event), AI_FLOW_EVENT: "pipeline_failed" });
    expect(input).toMatchObject({
      kind: "skip",
      reason: 'AI_FLOW_EVENT "pipeline_failed" is not handled, only mention, assign, assign_reviewer',
    });
    const review = await read({
      AI_FLOW_CONTEXT: encodeBridgeEvent(event),
      AI_FLOW_EVENT: "assign_reviewer",
    });
    expect(review.kind).toBe("event");
  });

  it("leaves another assistant's event to that assistant's job", async () => {
    const input = await read({ AGENT_BRIDGE_EVENT: encodeBridgeEvent(event) }, { assistant: "codex" });
    expect(input).toEqual({
      kind: "skip",
      source: "AGENT_BRIDGE_EVENT",
      reason: "the event is for claude; this job runs codex",
    });
  });

  it("has nothing to do without any event", async () => {
    expect(await read({ AGENT_BRIDGE_EVENT: "" })).toMatchObject({ kind: "skip", source: null });
  });

  it("hands a Note Hook from TRIGGER_PAYLOAD (JSON or a file) to the trigger path", async () => {
    const seen: Array<[number, string]> = [];
    const acceptTrigger = (hook: NoteHook, assistant: string): Promise<EventInput> => {
      seen.push([hook.object_attributes.id, assistant]);
      return Promise.resolve({ kind: "event", event, source: "TRIGGER_PAYLOAD" });
    };
    await read({ TRIGGER_PAYLOAD: fixtureText("note-on-issue") }, { assistant: "claude", acceptTrigger });
    await read(
      { TRIGGER_PAYLOAD: "/builds/tmp/TRIGGER_PAYLOAD" },
      {
        assistant: "codex",
        acceptTrigger,
        readFile: (path) =>
          Promise.resolve(path === "/builds/tmp/TRIGGER_PAYLOAD" ? fixtureText("note-on-merge-request") : ""),
      },
    );
    expect(seen).toEqual([
      [1241, "claude"],
      [fixture("note-on-merge-request")["object_attributes"].id as number, "codex"],
    ]);
  });

  it("skips trigger payloads that are not notes on issues or merge requests", async () => {
    const push = JSON.stringify({ object_kind: "push", ref: "refs/heads/main" });
    expect(await read({ TRIGGER_PAYLOAD: push }, { assistant: "claude" })).toMatchObject({
      kind: "skip",
      reason: "TRIGGER_PAYLOAD is not a comment event (object_kind push)",
    });
    const snippet = JSON.stringify(variant("note-on-issue", { noteable_type: "Snippet" }));
    expect(await read({ TRIGGER_PAYLOAD: snippet }, { assistant: "claude" })).toMatchObject({ kind: "skip" });
  });

  it.each([
    [{ AGENT_BRIDGE_EVENT: "{oops" }, "AGENT_BRIDGE_EVENT is not valid JSON"],
    [
      { AGENT_BRIDGE_EVENT: '{"assistant":"gpt"}' },
      "AGENT_BRIDGE_EVENT is not a valid agent-bridge event (assistant:",
    ],
    [{ AI_FLOW_CONTEXT: "[]" }, "AI_FLOW_CONTEXT is not a valid agent-bridge event"],
    [{ TRIGGER_PAYLOAD: "{}" }, "TRIGGER_PAYLOAD needs AGENT_ASSISTANT"],
  ])("explains a malformed event %#", async (env, message) => {
    await expect(read(env)).rejects.toThrow(message);
  });

  it("explains a malformed trigger payload", async () => {
    await expect(read({ TRIGGER_PAYLOAD: "/missing" }, { assistant: "claude" })).rejects.toThrow(
      "TRIGGER_PAYLOAD names a file that cannot be read (ENOENT)",
    );
    const broken = JSON.stringify(variant("note-on-issue", {}, (p) => delete p["user"]));
    await expect(read({ TRIGGER_PAYLOAD: broken }, { assistant: "claude" })).rejects.toThrow(
      "TRIGGER_PAYLOAD is not a valid Note Hook (user:",
    );
  });

  it("still finds the placeholder of a malformed event when it can", () => {
    const { confidential: _c, ...broken } = event;
    let error: unknown;
    try {
      decodeEvent(JSON.stringify({ ...broken, discussionId: 5 }), "AGENT_BRIDGE_EVENT");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EventInputError);
    expect((error as EventInputError).message).toMatch(/discussionId: .*; confidential: /);
    expect((error as EventInputError).placeholder).toEqual({
      ref: { projectId: 5, noteableType: "Issue", noteableIid: 17, noteId: 1300 },
      assistant: "claude",
      triggerNoteId: 1241,
      askedBy: "root",
    });
    expect(() => decodeEvent('{"assistant":"claude"}', "AGENT_BRIDGE_EVENT")).toThrow(
      expect.objectContaining({ placeholder: undefined }) as Error,
    );
  });

  it("never repeats the event's values in its errors", () => {
    const secretish = { ...event, projectId: "glpat-should-not-appear" };
    let message = "";
    try {
      decodeEvent(JSON.stringify(secretish), "AGENT_BRIDGE_EVENT");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("projectId:");
    expect(message).not.toContain("glpat-should-not-appear");
  });
});

// The trigger path: the receiver's rules, applied by the job.
const BOT = 4242;
const policy: TriggerPolicySettings = {
  minAccessLevel: 30,
  allowedBots: [],
  deniedUsers: [],
  allowedUsers: [],
  aliases: {},
  allowedProjects: [],
  allowedGroups: [],
  handleEdits: false,
  bridgeUserId: BOT,
};
const JOB_URL = "http://gitlab.test/gitlab-org/gitlab-test/-/jobs/99";

function mentionHook(text = "@claude and @codex please look"): NoteHook {
  return variant("note-on-issue", { note: text }) as unknown as NoteHook;
}

function trigger(
  hook: NoteHook,
  assistant: "claude" | "codex",
  routes: Parameters<typeof scriptedGitLab>[0],
) {
  const gl = scriptedGitLab(routes);
  const lines: string[] = [];
  const result = acceptTriggerPayload({
    hook,
    assistant,
    gitlab: gl.client,
    policy,
    jobUrl: JOB_URL,
    redact: (t) => t,
    log: (line) => lines.push(line),
  });
  return { gl, lines, result };
}

const NOTES = "/projects/5/issues/17/notes";
const member = () => ({ id: 1, username: "root", access_level: 40 });

describe("job/trigger-payload", () => {
  it("claims, posts its placeholder and returns the event", async () => {
    let posted: { body: string } | undefined;
    const { gl, result } = trigger(mentionHook(), "codex", {
      "GET /projects/5/members/all/1": member,
      [`POST ${NOTES}/1241/award_emoji`]: () => award(1, BOT, "2026-01-01T00:00:00Z"),
      [`POST ${NOTES}`]: (call) => {
        posted = call.options.json as { body: string };
        return note(1300, BOT, posted.body);
      },
      [`GET ${NOTES}`]: () => [
        note(1300, BOT, posted?.body ?? ""),
        note(1241, 1, "@claude and @codex please look"),
      ],
    });
    expect(await result).toEqual({
      kind: "event",
      source: "TRIGGER_PAYLOAD",
      event: {
        assistant: "codex",
        projectId: 5,
        projectPath: "gitlab-org/gitlab-test",
        noteableType: "Issue",
        noteableIid: 17,
        noteId: 1241,
        discussionId: null,
        placeholderNoteId: 1300,
        authorId: 1,
        authorUsername: "root",
        instruction: "@claude and @codex please look",
        confidential: false,
      },
    });
    expect(parseMarker(posted?.body ?? "")).toEqual({ kind: "placeholder", assistant: "codex", note: 1241 });
    expect(parsePlaceholderStatus(posted?.body ?? "")).toBe("working");
    expect(posted?.body).toContain(JOB_URL);
    expect(gl.log()).toEqual([
      "GET /projects/5/members/all/1",
      "GET /users/1",
      `POST ${NOTES}/1241/award_emoji`,
      `POST ${NOTES}`,
      `GET ${NOTES}`,
    ]);
  });

  it("goes on when the other assistant's job took the award first", async () => {
    const { result } = trigger(mentionHook(), "claude", {
      "GET /projects/5/members/all/1": member,
      [`POST ${NOTES}/1241/award_emoji`]: () => apiError(404, "Name has already been taken"),
      [`POST ${NOTES}`]: (call) => note(1301, BOT, (call.options.json as { body: string }).body),
      [`GET ${NOTES}`]: () => [
        note(1301, BOT, '<!-- agent-bridge:placeholder {"assistant":"claude","note":1241} -->'),
        note(1300, BOT, '<!-- agent-bridge:placeholder {"assistant":"codex","note":1241} -->'),
      ],
    });
    expect(await result).toMatchObject({
      kind: "event",
      event: { assistant: "claude", placeholderNoteId: 1301 },
    });
  });

  it("steps back, deleting its placeholder, when an earlier one answers the same mention", async () => {
    const { gl, result } = trigger(mentionHook(), "claude", {
      "GET /projects/5/members/all/1": member,
      [`POST ${NOTES}/1241/award_emoji`]: () => apiError(404, "Name has already been taken"),
      [`POST ${NOTES}`]: (call) => note(1302, BOT, (call.options.json as { body: string }).body),
      [`GET ${NOTES}`]: () => [
        note(1302, BOT, '<!-- agent-bridge:placeholder {"assistant":"claude","note":1241} -->'),
        note(1301, BOT, '<!-- agent-bridge:placeholder {"assistant":"claude","note":1241} -->'),
      ],
      [`DELETE ${NOTES}/1302`]: () => undefined,
    });
    expect(await result).toEqual({
      kind: "skip",
      source: "TRIGGER_PAYLOAD",
      reason: "another job already answers this mention (placeholder note 1301)",
    });
    expect(gl.log()).toContain(`DELETE ${NOTES}/1302`);
  });

  it("answers in the thread the mention was made in", async () => {
    const hook = fixture("mention-in-thread-on-merge-request") as unknown as NoteHook;
    const discussion = hook.object_attributes.discussion_id ?? "";
    const { gl, result } = trigger(hook, "claude", {
      "GET /projects/5/members/all/1": member,
      "POST /projects/5/merge_requests/1/notes/1250/award_emoji": () => award(1, BOT, "2026-01-01T00:00:00Z"),
      [`POST /projects/5/merge_requests/1/discussions/${discussion}/notes`]: (call) =>
        note(1400, BOT, (call.options.json as { body: string }).body),
      "GET /projects/5/merge_requests/1/notes": () => [],
    });
    expect(await result).toMatchObject({
      kind: "event",
      event: { discussionId: discussion, placeholderNoteId: 1400 },
    });
    expect(gl.log()).toContain(`POST /projects/5/merge_requests/1/discussions/${discussion}/notes`);
  });

  it.each([
    [
      "a note without a mention",
      mentionHook("just a comment"),
      "claude",
      "no mention of an enabled assistant",
    ],
    [
      "a mention of the other assistant",
      mentionHook("@codex only"),
      "claude",
      "the note does not mention claude",
    ],
    [
      "a note with the bridge's marker",
      mentionHook("<!-- agent-bridge:x --> @claude"),
      "claude",
      "note carries the bridge's marker",
    ],
  ] as const)("ends quietly for %s, with no call", async (_name, hook, assistant, reason) => {
    const { gl, result } = trigger(hook, assistant, {});
    expect(await result).toEqual({ kind: "skip", source: "TRIGGER_PAYLOAD", reason });
    expect(gl.calls).toHaveLength(0);
  });

  it("ends quietly when the author lacks access, before any claim", async () => {
    const { gl, result } = trigger(mentionHook(), "claude", {
      "GET /projects/5/members/all/1": () => ({ id: 1, username: "root", access_level: 20 }),
    });
    expect(await result).toMatchObject({
      kind: "skip",
      reason: expect.stringContaining("below MIN_ACCESS_LEVEL") as unknown,
    });
    expect(gl.log()).toEqual(["GET /projects/5/members/all/1", "GET /users/1"]);
  });

  it("ends quietly for a bot user not in ALLOWED_BOTS, before any claim", async () => {
    const { gl, result } = trigger(mentionHook(), "claude", {
      "GET /users/1": () => ({ id: 1, username: "project_5_bot_1a2b", bot: true }),
      "GET /projects/5/members/all/1": member,
    });
    expect(await result).toMatchObject({ kind: "skip", reason: "author is a bot user not in ALLOWED_BOTS" });
    expect(gl.log()).not.toContain(`POST ${NOTES}/1241/award_emoji`);
  });

  it("ends quietly for the bot's own notes (looked up when BRIDGE_USER_ID is unset)", async () => {
    const hook = mentionHook();
    const gl = scriptedGitLab({ "GET /user": () => ({ id: 1, username: "root" }) });
    const result = await acceptTriggerPayload({
      hook,
      assistant: "claude",
      gitlab: gl.client,
      policy: { ...policy, bridgeUserId: undefined },
      jobUrl: JOB_URL,
      redact: (t) => t,
      log: () => undefined,
    });
    expect(result).toMatchObject({ kind: "skip", reason: "note by the bridge's user" });
  });
});
