import { describe, expect, it } from "vitest";
import { parseMarker } from "../../../shared/placeholder/marker.ts";
import { NoteHookSchema } from "../../../shared/gitlab/webhook-schema.ts";
import { decodeBridgeEvent } from "../../support/bridge-event.ts";
import { isConfidential } from "../../../shared/webhook/confidential.ts";
import { dispatchRuns, mentionFromHook, type DispatchRequest } from "../../../shared/webhook/dispatch.ts";
import { variant, type FixtureName, type Payload } from "./fixture-payloads.ts";
import { apiError, note, pipeline, scriptedGitLab, type Route } from "./scripted-gitlab.ts";
import { BRIDGE_USER, testSettings } from "./settings-for-tests.ts";

const INSTRUCTION = "@claude fix the flaky test";

function request(
  name: FixtureName,
  overrides: Partial<DispatchRequest> & {
    env?: Record<string, string>;
    attributes?: Record<string, unknown>;
  } = {},
  edit?: (payload: Payload) => void,
): DispatchRequest {
  const { env, attributes, ...rest } = overrides;
  const hook = NoteHookSchema.parse(variant(name, { note: INSTRUCTION, ...attributes }, edit));
  const isIssue = hook.object_attributes.noteable_type === "Issue";
  return {
    mention: mentionFromHook(hook),
    noteableType: isIssue ? "Issue" : "MergeRequest",
    noteableIid: (isIssue ? hook.issue?.iid : hook.merge_request?.iid) ?? 0,
    assistants: ["claude"],
    instruction: INSTRUCTION,
    settings: testSettings(env ?? {}),
    ...rest,
  };
}

function gitlab(routes: Record<string, Route>) {
  let nextNote = 2000;
  let nextPipeline = 300;
  return scriptedGitLab({
    "POST /projects/5/(issues|merge_requests)/\\d+/notes": () => note(nextNote++, BRIDGE_USER, "placeholder"),
    "POST /projects/\\d+/merge_requests/\\d+/discussions/[0-9a-f]+/notes": () =>
      note(nextNote++, BRIDGE_USER, "placeholder"),
    "POST /projects/\\d+/pipeline": () => pipeline(nextPipeline++),
    "PUT /projects/\\d+/(issues|merge_requests)/\\d+/notes/\\d+": (c) =>
      note(0, BRIDGE_USER, String(c.options.json)),
    ...routes,
  });
}

function variables(call: { options: { json?: unknown } } | undefined): Record<string, string> {
  const list = (call?.options.json as { variables?: { key: string; value: string }[] }).variables ?? [];
  return Object.fromEntries(list.map((v) => [v.key, v.value]));
}

describe("shared/webhook/dispatch", () => {
  it("posts a placeholder note, then a pipeline on the default branch carrying the event as variables", async () => {
    const gl = gitlab({});
    const result = await dispatchRuns(gl.client, () => gl.client, request("note-on-issue"));
    expect(result).toEqual({
      runs: [{ assistant: "claude", placeholderNoteId: 2000, pipelineId: 300 }],
      placeholderErrors: [],
    });
    expect(gl.log()).toEqual(["POST /projects/5/issues/17/notes", "POST /projects/5/pipeline"]);
    const placeholderBody = (gl.calls[0]?.options.json as { body: string; internal?: boolean }).body;
    expect(parseMarker(placeholderBody)).toEqual({ kind: "placeholder", assistant: "claude", note: 1241 });
    expect(gl.calls[0]?.options.json).not.toHaveProperty("internal");

    expect((gl.calls[1]?.options.json as { ref: string }).ref).toBe("master");
    const vars = variables(gl.calls[1]);
    expect(Object.keys(vars).sort()).toEqual([
      "AGENT_BRIDGE_EVENT",
      "AI_FLOW_CONTEXT",
      "AI_FLOW_EVENT",
      "AI_FLOW_INPUT",
    ]);
    expect(vars["AI_FLOW_EVENT"]).toBe("mention");
    expect(vars["AI_FLOW_INPUT"]).toBe(INSTRUCTION);
    expect(vars["AI_FLOW_CONTEXT"]).toBe(vars["AGENT_BRIDGE_EVENT"]);
    expect(decodeBridgeEvent(vars["AGENT_BRIDGE_EVENT"] ?? "")).toEqual({
      assistant: "claude",
      projectId: 5,
      projectPath: "gitlab-org/gitlab-test",
      noteableType: "Issue",
      noteableIid: 17,
      noteId: 1241,
      discussionId: null,
      placeholderNoteId: 2000,
      authorId: 1,
      authorUsername: "root",
      instruction: INSTRUCTION,
      confidential: false,
    });
  });

  it.each([
    [
      "mention-in-thread-on-merge-request",
      "POST /projects/5/merge_requests/1/discussions/6a9c1750b37d513a43987b574953fceb50b03ce7/notes",
    ],
    [
      "diff-note-on-merge-request",
      "POST /projects/926/merge_requests/7/discussions/0a307b85835ac7c3e2c1b4e6283d7baf42df0f8e/notes",
    ],
  ] as const)("answers a %s in its thread", async (name, placeholderCall) => {
    const gl = gitlab({
      "POST /projects/926/merge_requests/7/discussions/[0-9a-f]+/notes": () => note(2100, BRIDGE_USER, "p"),
    });
    const result = await dispatchRuns(gl.client, () => gl.client, request(name));
    expect(gl.log()[0]).toBe(placeholderCall);
    expect(result.runs[0]?.pipelineId).not.toBeNull();
    const event = decodeBridgeEvent(variables(gl.calls[1])["AGENT_BRIDGE_EVENT"] ?? "");
    expect(event.discussionId).toMatch(/^[0-9a-f]{40}$/);
  });

  it("keeps an internal note's placeholder internal and its text out of the pipeline", async () => {
    const gl = gitlab({});
    await dispatchRuns(gl.client, () => gl.client, request("internal-mention-on-confidential-issue"));
    expect(gl.calls[0]?.options.json).toMatchObject({ internal: true });
    const vars = variables(gl.calls[1]);
    expect(vars).not.toHaveProperty("AI_FLOW_INPUT");
    expect(JSON.stringify(gl.calls[1]?.options.json)).not.toContain("fix the flaky test");
    const event = decodeBridgeEvent(vars["AGENT_BRIDGE_EVENT"] ?? "");
    expect(event.confidential).toBe(true);
    expect(event).not.toHaveProperty("instruction");
  });

  it.each([
    ["an internal note", { internal: true }, undefined, true],
    ["a note with the older confidential flag", { confidential: true }, undefined, true],
    [
      "a confidential_note event",
      {},
      (p: Payload) => {
        p["event_type"] = "confidential_note";
      },
      true,
    ],
    [
      "a note on a confidential issue",
      {},
      (p: Payload) => {
        p["issue"].confidential = true;
      },
      true,
    ],
    ["a plain note", { internal: false }, undefined, false],
  ] as const)("treats %s as confidential: %s", (_why, attributes, edit, confidential) => {
    expect(isConfidential(NoteHookSchema.parse(variant("note-on-issue", attributes, edit)))).toBe(
      confidential,
    );
  });

  it("passes the event as the agent_bridge_event input in inputs mode", async () => {
    const gl = gitlab({});
    await dispatchRuns(
      gl.client,
      () => gl.client,
      request("note-on-issue", { env: { DISPATCH_EVENT_AS: "inputs", PIPELINE_REF: "ci" } }),
    );
    const body = gl.calls[1]?.options.json as {
      ref: string;
      inputs: Record<string, string>;
      variables?: unknown;
    };
    expect(body.ref).toBe("ci");
    expect(body.variables).toBeUndefined();
    expect(decodeBridgeEvent(body.inputs["agent_bridge_event"] ?? "").placeholderNoteId).toBe(2000);
  });

  it.each([
    [{ TRIGGER_TOKENS: '{"gitlab-org/gitlab-test":"by-path"}', TRIGGER_TOKEN: "fallback" }, "by-path"],
    [{ TRIGGER_TOKENS: '{"5":"by-id","gitlab-org/gitlab-test":"by-path"}' }, "by-id"],
    [{ TRIGGER_TOKENS: '{"other/app":"other"}', TRIGGER_TOKEN: "fallback" }, "fallback"],
  ])("uses the trigger API with the project's token (%j)", async (env, token) => {
    const gl = gitlab({ "POST /projects/5/trigger/pipeline": () => pipeline(1) });
    await dispatchRuns(
      gl.client,
      () => gl.client,
      request("note-on-issue", { env: { DISPATCH_MODE: "trigger", ...env } }),
    );
    const form = gl.calls[1]?.options.form ?? {};
    expect(form["token"]).toBe(token);
    expect(form["ref"]).toBe("master");
    expect(form["variables[AI_FLOW_EVENT]"]).toBe("mention");
    expect(decodeBridgeEvent(form["variables[AGENT_BRIDGE_EVENT]"] ?? "").assistant).toBe("claude");
  });

  it("writes the error into the placeholder when there is no trigger token for the project", async () => {
    const gl = gitlab({});
    const req = request("note-on-issue", {
      env: { DISPATCH_MODE: "trigger", TRIGGER_TOKENS: '{"other/app":"t"}' },
    });
    const result = await dispatchRuns(gl.client, () => gl.client, req);
    expect(gl.log()).toEqual(["POST /projects/5/issues/17/notes"]);
    expect((gl.calls[0]?.options.json as { body: string }).body).toContain("`TRIGGER_TOKENS`");
    expect(result.runs[0]).toMatchObject({
      placeholderNoteId: 2000,
      pipelineId: null,
      error: "no-trigger-token",
    });
  });

  it("writes the error into the placeholder when the project has no branch", async () => {
    const gl = gitlab({});
    const req = request("note-on-issue", {}, (p) => (p["project"].default_branch = null));
    await dispatchRuns(gl.client, () => gl.client, req);
    expect(gl.log()).toEqual(["POST /projects/5/issues/17/notes"]);
    expect(parseMarker((gl.calls[0]?.options.json as { body: string }).body)?.kind).toBe("placeholder");
  });

  it("turns the placeholder into guidance when pipeline variables are not allowed", async () => {
    const refused = apiError(400, "Insufficient permissions to set pipeline variables", "POST");
    const gl = gitlab({ "POST /projects/\\d+/pipeline": () => refused });
    const result = await dispatchRuns(gl.client, () => gl.client, request("note-on-issue"));
    expect(gl.log()).toEqual([
      "POST /projects/5/issues/17/notes",
      "POST /projects/5/pipeline",
      "PUT /projects/5/issues/17/notes/2000",
    ]);
    const body = (gl.calls[2]?.options.json as { body: string }).body;
    expect(body).toContain("Minimum role to use pipeline variables");
    expect(body).toContain("DISPATCH_EVENT_AS=inputs");
    expect(parseMarker(body)).toEqual({ kind: "placeholder", assistant: "claude", note: 1241 });
    expect(result.runs[0]).toMatchObject({ placeholderNoteId: 2000, pipelineId: null });
  });

  it("never leaves the placeholder working when GitLab fails the pipeline", async () => {
    const cleanupCalls: string[] = [];
    const gl = gitlab({
      "POST /projects/\\d+/pipeline": () => apiError(0, "no answer within the deadline", "POST"),
    });
    const cleanup = gitlab({});
    const result = await dispatchRuns(
      gl.client,
      () => (cleanupCalls.push("fresh budget"), cleanup.client),
      request("note-on-issue"),
    );
    expect(cleanupCalls).toHaveLength(1);
    expect(cleanup.log()).toEqual(["PUT /projects/5/issues/17/notes/2000"]);
    expect((cleanup.calls[0]?.options.json as { body: string }).body).toContain(
      "could not create the pipeline",
    );
    expect(result.runs[0]?.error).toContain("no answer within the deadline");
  });

  it("starts both assistants' placeholders together, then both pipelines together", async () => {
    const gl = gitlab({});
    const result = await dispatchRuns(
      gl.client,
      () => gl.client,
      request("note-on-issue", { assistants: ["claude", "codex"] }),
    );
    expect(gl.calls.map((c) => `${c.round} ${c.method} ${c.path}`)).toEqual([
      "1 POST /projects/5/issues/17/notes",
      "1 POST /projects/5/issues/17/notes",
      "2 POST /projects/5/pipeline",
      "2 POST /projects/5/pipeline",
    ]);
    expect(result.runs.map((r) => r.assistant)).toEqual(["claude", "codex"]);
    const events = gl.calls.slice(2).map((c) => decodeBridgeEvent(variables(c)["AGENT_BRIDGE_EVENT"] ?? ""));
    expect(events.map((e) => [e.assistant, e.placeholderNoteId])).toEqual([
      ["claude", 2000],
      ["codex", 2001],
    ]);
  });

  it("reports a run whose placeholder could not be written", async () => {
    const down = apiError(503, "Service Unavailable", "POST");
    const gl = gitlab({ "POST /projects/5/(issues|merge_requests)/\\d+/notes": () => down });
    const result = await dispatchRuns(gl.client, () => gl.client, request("note-on-issue"));
    expect(result.runs).toEqual([
      {
        assistant: "claude",
        placeholderNoteId: null,
        pipelineId: null,
        error: expect.stringContaining("503"),
      },
    ]);
    expect(result.placeholderErrors).toEqual([down]);
    expect(gl.log()).toHaveLength(1);
  });
});
