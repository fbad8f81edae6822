// The scripted Anthropic server over real HTTP: what Claude Code would read from each answer.
import { afterEach, describe, expect, it } from "vitest";
import { countAnswers, startAnthropicModelServer } from "../../../sandbox/models/anthropic-server.ts";
import type { ModelServer } from "../../../sandbox/models/model-server.ts";
import type { ScriptSource } from "../../../sandbox/models/script.ts";
import { parseSse } from "../../../sandbox/models/sse.ts";
import type { SseEvent } from "../../../sandbox/models/sse.ts";

const tools = [{ name: "Read", description: "Read a file", input_schema: { type: "object" } }];
const user = { role: "user", content: "go" };
const assistant = { role: "assistant", content: [{ type: "text", text: "..." }] };
const toolResult = { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "ok" }] };

describe("scripted Anthropic server", () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(script: ScriptSource): Promise<ModelServer> {
    server = await startAnthropicModelServer({ script });
    return server;
  }

  async function messages(
    body: Record<string, unknown>,
  ): Promise<{ status: number; text: string; events: SseEvent[] }> {
    const response = await fetch(`${server!.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "sk-test" },
      body: JSON.stringify({ model: "claude-test", max_tokens: 100, stream: true, ...body }),
    });
    const text = await response.text();
    return { status: response.status, text, events: response.ok ? parseSse(text) : [] };
  }

  it("serves on loopback with a url ANTHROPIC_BASE_URL takes as is", async () => {
    const { url } = await start({ turns: [] });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("streams text and a tool call in the Messages framing", async () => {
    await start({ turns: [[{ text: "Reading." }, { tool: "Read", input: { file_path: "/tmp/a.txt" } }]] });
    const { status, events } = await messages({ messages: [user], tools });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const event of events) expect((event.data as { type: string }).type).toBe(event.event);
    const start0 = events[0]!.data as { message: { role: string; model: string; content: unknown[] } };
    expect(start0.message).toMatchObject({ role: "assistant", model: "claude-test", content: [] });
    expect(events[1]!.data).toMatchObject({ index: 0, content_block: { type: "text", text: "" } });
    expect(events[2]!.data).toMatchObject({ index: 0, delta: { type: "text_delta", text: "Reading." } });
    expect(events[4]!.data).toMatchObject({
      index: 1,
      content_block: { type: "tool_use", name: "Read", input: {} },
    });
    const delta = events[5]!.data as { delta: { type: string; partial_json: string } };
    expect(delta.delta.type).toBe("input_json_delta");
    expect(JSON.parse(delta.delta.partial_json)).toEqual({ file_path: "/tmp/a.txt" });
    expect(events[7]!.data).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it("chooses the turn from the answers already in the conversation, then says Done.", async () => {
    await start({ turns: [[{ tool: "Read", input: {} }], [{ text: "second" }]] });
    const second = await messages({ messages: [user, assistant, toolResult], tools });
    expect(second.events[2]!.data).toMatchObject({ delta: { text: "second" } });
    expect(second.events.at(-2)!.data).toMatchObject({ delta: { stop_reason: "end_turn" } });
    const again = await messages({ messages: [user, assistant, toolResult], tools });
    expect(again.events[2]!.data).toMatchObject({ delta: { text: "second" } });
    const done = await messages({ messages: [user, assistant, toolResult, assistant, toolResult], tools });
    expect(done.events[2]!.data).toMatchObject({ delta: { text: "Done." } });
    expect(server!.requests.map((r) => r.turnIndex)).toEqual([1, 1, 2]);
  });

  it("counts split assistant messages once and skips system entries", () => {
    expect(countAnswers([{ role: "user" }])).toBe(0);
    expect(
      countAnswers([{ role: "system" }, { role: "user" }, { role: "assistant" }, { role: "assistant" }]),
    ).toBe(1);
    expect(
      countAnswers([{ role: "user" }, { role: "assistant" }, { role: "system" }, { role: "assistant" }]),
    ).toBe(1);
    expect(
      countAnswers([{ role: "user" }, { role: "assistant" }, { role: "user" }, { role: "assistant" }]),
    ).toBe(2);
  });

  it("answers side calls without tools with a short text, leaving the script alone", async () => {
    await start({ turns: [[{ tool: "Read", input: {} }]] });
    const side = await messages({ messages: [user] });
    expect(side.events[2]!.data).toMatchObject({ delta: { type: "text_delta", text: expect.any(String) } });
    expect(
      side.events.some(
        (e) => e.event === "content_block_start" && JSON.stringify(e.data).includes("tool_use"),
      ),
    ).toBe(false);
    const main = await messages({ messages: [user], tools });
    expect(main.events[1]!.data).toMatchObject({ content_block: { type: "tool_use" } });
    expect(server!.requests.map((r) => r.kind)).toEqual(["auxiliary", "turn"]);
  });

  it("answers a scripted error before any content as an HTTP error", async () => {
    await start({ turns: [[{ error: { status: 529, message: "scripted overload" } }]] });
    const { status, text } = await messages({ messages: [user], tools });
    expect(status).toBe(529);
    expect(JSON.parse(text)).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "scripted overload" },
    });
  });

  it("answers a scripted error after content as an error event, ending the stream", async () => {
    await start({
      turns: [[{ text: "partial" }, { error: { status: 500, message: "broke" } }, { text: "never" }]],
    });
    const { status, events } = await messages({ messages: [user], tools });
    expect(status).toBe(200);
    expect(events.at(-1)).toEqual({
      event: "error",
      data: { type: "error", error: { type: "api_error", message: "broke" } },
    });
    expect(JSON.stringify(events)).not.toContain("never");
  });

  it("plays a dynamic script with the request it decides on", async () => {
    await start(({ turnIndex, body }) => [
      { text: `turn ${turnIndex} of ${(body as { model: string }).model}` },
    ]);
    const { events } = await messages({ messages: [user, assistant, toolResult], tools });
    expect(events[2]!.data).toMatchObject({ delta: { text: "turn 1 of claude-test" } });
  });

  it("answers non-streaming calls with a whole message", async () => {
    await start({ turns: [[{ text: "hi" }, { tool: "Read", input: { file_path: "/a" } }]] });
    const { status, text } = await messages({ messages: [user], tools, stream: false });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      role: "assistant",
      content: [
        { type: "text", text: "hi" },
        { type: "tool_use", name: "Read", input: { file_path: "/a" } },
      ],
      stop_reason: "tool_use",
    });
  });

  it("answers token counts, probes and unknown paths, recording everything", async () => {
    const { url, requests } = await start({ turns: [] });
    const count = await fetch(`${url}/v1/messages/count_tokens`, {
      method: "POST",
      body: JSON.stringify({ messages: [user] }),
    });
    expect(await count.json()).toEqual({ input_tokens: expect.any(Number) });
    expect((await fetch(url, { method: "HEAD" })).status).toBe(200);
    const unknown = await fetch(`${url}/v1/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const invalid = await fetch(`${url}/v1/messages`, { method: "POST", body: "{}" });
    expect(invalid.status).toBe(400);
    expect(requests.map((r) => `${r.method} ${r.url} ${r.kind}`)).toEqual([
      "POST /v1/messages/count_tokens other",
      "HEAD / other",
      "GET /v1/nope other",
      "POST /v1/messages other",
    ]);
    expect(requests[0]!.body).toEqual({ messages: [user] });
  });

  it("closes while a scripted pause is still holding a request", async () => {
    await start({ turns: [[{ delayMs: 600_000 }, { text: "late" }]] });
    const pending = messages({ messages: [user], tools }).then(
      () => "answered",
      () => "failed",
    );
    while (server!.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await server!.close();
    // No content was due before the pause: the client sees the connection end, not an answer.
    expect(await pending).toBe("failed");
    server = undefined;
  });
});
