// The scripted OpenAI Responses server over real HTTP: what Codex would read from each answer.
import { afterEach, describe, expect, it } from "vitest";
import type { ModelServer } from "../../../sandbox/models/model-server.ts";
import { countAnswers, startOpenAIModelServer } from "../../../sandbox/models/openai-server.ts";
import type { ScriptSource } from "../../../sandbox/models/script.ts";
import { parseSse } from "../../../sandbox/models/sse.ts";
import type { SseEvent } from "../../../sandbox/models/sse.ts";

const tools = [{ type: "function", name: "exec_command", parameters: { type: "object" } }];
const user = { type: "message", role: "user", content: [{ type: "input_text", text: "go" }] };
const call = { type: "function_call", name: "exec_command", arguments: "{}", call_id: "c1" };
const callOutput = { type: "function_call_output", call_id: "c1", output: "ok" };
const patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-old\n+new\n*** End Patch\n";

interface Item {
  type: string;
  [key: string]: unknown;
}

describe("scripted OpenAI server", () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(script: ScriptSource): Promise<ModelServer> {
    server = await startOpenAIModelServer({ script });
    return server;
  }

  async function responses(
    body: Record<string, unknown>,
  ): Promise<{ status: number; text: string; events: SseEvent[] }> {
    const response = await fetch(`${server!.url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "gpt-test", stream: true, ...body }),
    });
    const text = await response.text();
    return { status: response.status, text, events: response.ok ? parseSse(text) : [] };
  }

  function doneItems(events: SseEvent[]): Item[] {
    return events
      .filter((e) => e.event === "response.output_item.done")
      .map((e) => (e.data as { item: Item }).item);
  }

  it("serves a base url ending in /v1", async () => {
    const { url } = await start({ turns: [] });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("streams each step as an output item, then response.completed with id and usage", async () => {
    await start({
      turns: [
        [
          { text: "Patching." },
          { tool: "apply_patch", input: { patch } },
          { tool: "shell", input: { cmd: "git status", workdir: "/tmp" } },
          { tool: "mcp__gitlab__post_note", input: { body: "hi" } },
          { tool: "update_plan", input: { plan: [] } },
          { tool: "tool_search", input: { query: "gitlab" } },
        ],
      ],
    });
    const { status, events } = await responses({ input: [user], tools });
    expect(status).toBe(200);
    expect(events[0]!.event).toBe("response.created");
    for (const event of events) expect((event.data as { type: string }).type).toBe(event.event);
    const items = doneItems(events);
    expect(items[0]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Patching." }],
    });
    expect(items[1]).toMatchObject({
      type: "custom_tool_call",
      name: "apply_patch",
      input: patch,
      call_id: expect.any(String),
    });
    expect(items[2]).toMatchObject({
      type: "function_call",
      name: "exec_command",
      call_id: expect.any(String),
    });
    expect(JSON.parse(items[2]!["arguments"] as string)).toEqual({ cmd: "git status", workdir: "/tmp" });
    // MCP tools live in a namespace per server, as Codex lists them.
    expect(items[3]).toMatchObject({ type: "function_call", namespace: "mcp__gitlab", name: "post_note" });
    expect(JSON.parse(items[3]!["arguments"] as string)).toEqual({ body: "hi" });
    expect(items[4]).toMatchObject({ type: "function_call", name: "update_plan" });
    expect(items[4]).not.toHaveProperty("namespace");
    expect(items[5]).toMatchObject({
      type: "tool_search_call",
      execution: "client",
      arguments: { query: "gitlab" },
    });
    const callIds = items.slice(1).map((item) => item["call_id"]);
    expect(new Set(callIds).size).toBe(callIds.length);

    const completed = events.at(-1)!;
    expect(completed.event).toBe("response.completed");
    const response = (
      completed.data as {
        response: { id: string; status: string; output: Item[]; usage: Record<string, number> };
      }
    ).response;
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe("completed");
    expect(response.output).toEqual(items);
    expect(response.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
    });
  });

  it("streams text as a delta before its item is done", async () => {
    await start({ turns: [[{ text: "hello" }]] });
    const { events } = await responses({ input: [user], tools });
    expect(events.map((e) => e.event)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[2]!.data).toMatchObject({ delta: "hello", output_index: 0, content_index: 0 });
  });

  it("chooses the turn from the answers already in the history, then says Done.", async () => {
    await start({ turns: [[{ tool: "shell", input: { cmd: "ls" } }], [{ text: "second" }]] });
    const second = await responses({ input: [user, call, callOutput], tools });
    expect(doneItems(second.events)).toMatchObject([{ type: "message", content: [{ text: "second" }] }]);
    const done = await responses({ input: [user, call, callOutput, call, callOutput], tools });
    expect(doneItems(done.events)).toMatchObject([{ type: "message", content: [{ text: "Done." }] }]);
    expect(server!.requests.map((r) => r.turnIndex)).toEqual([1, 2]);
  });

  it("counts an answer of several items once", () => {
    const message = { type: "message", role: "assistant" };
    expect(countAnswers([user])).toBe(0);
    expect(countAnswers([user, message, call, call, callOutput, callOutput])).toBe(1);
    expect(countAnswers([user, { type: "reasoning" }, call, callOutput, message])).toBe(2);
    expect(countAnswers([{ role: "user" }, { role: "assistant" }])).toBe(1);
  });

  it("accepts a plain string input as a first turn", async () => {
    await start({ turns: [[{ text: "first" }]] });
    const { events } = await responses({ input: "hello", tools });
    expect(doneItems(events)).toMatchObject([{ content: [{ text: "first" }] }]);
  });

  it("answers side calls without tools with a short text, leaving the script alone", async () => {
    await start({ turns: [[{ tool: "shell", input: { cmd: "ls" } }]] });
    const side = await responses({ input: [user] });
    expect(doneItems(side.events)).toMatchObject([{ type: "message" }]);
    expect(server!.requests[0]!.kind).toBe("auxiliary");
  });

  it("answers a scripted error before any content as an HTTP error", async () => {
    await start({ turns: [[{ delayMs: 0 }, { error: { status: 429, message: "slow down" } }]] });
    const { status, text } = await responses({ input: [user], tools });
    expect(status).toBe(429);
    expect(JSON.parse(text)).toEqual({
      error: { message: "slow down", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" },
    });
  });

  it("answers a scripted error after content as response.failed", async () => {
    await start({ turns: [[{ text: "partial" }, { error: { status: 500, message: "broke" } }]] });
    const { events } = await responses({ input: [user], tools });
    expect(events.at(-1)).toMatchObject({
      event: "response.failed",
      data: { response: { status: "failed", error: { code: "server_error", message: "broke" } } },
    });
    expect(events.some((e) => e.event === "response.completed")).toBe(false);
  });

  it("refuses a scripted tool call that Codex could not run, saying why", async () => {
    await start({ turns: [[{ tool: "apply_patch", input: { diff: "x" } }]] });
    const { status, text } = await responses({ input: [user], tools });
    expect(status).toBe(400);
    expect(text).toContain('scripted apply_patch needs input { \\"patch\\": string }');
  });

  it("answers other endpoints with 404 and records them", async () => {
    const { url, requests } = await start({ turns: [] });
    const models = await fetch(`${url}/models`);
    expect(models.status).toBe(404);
    expect(await models.json()).toMatchObject({ error: { message: expect.any(String) } });
    expect(requests).toMatchObject([{ method: "GET", url: "/v1/models", kind: "other" }]);
  });
});
