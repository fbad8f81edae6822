// Claude Code's stream-json lines as the real CLI (2.1.197) printed them against the scripted model server
// (fixtures/*.jsonl, temp paths replaced), read back through the stream reader.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  claudeInputTokens,
  claudeResultError,
  createClaudeStreamReader,
  describeClaudeTool,
} from "../../../../job/agents/claude-stream.ts";
import type { AgentEvent } from "../../../../job/contracts.ts";

function read(name: string) {
  const events: AgentEvent[] = [];
  const reader = createClaudeStreamReader((event) => events.push(event));
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
  for (const line of text.split("\n")) if (line !== "") reader.push(line);
  return { events, summary: reader.summary() };
}

describe("job/agents/claude-stream", () => {
  it("turns a successful run into text and tool events and a result", () => {
    const { events, summary } = read("claude-success.jsonl");
    expect(events).toEqual([
      { kind: "text", text: "Reading app.txt." },
      { kind: "tool", text: "Read: /work/repo/app.txt", tool: "Read" },
      { kind: "tool", text: "Edit: /work/repo/app.txt", tool: "Edit" },
      {
        kind: "tool",
        text: "mcp__agent_bridge__update_progress",
        tool: "mcp__agent_bridge__update_progress",
      },
      { kind: "tool", text: "Bash: git diff --stat", tool: "Bash" },
      { kind: "text", text: "Changed three to THREE." },
    ]);
    expect(summary.texts).toEqual(["Reading app.txt.", "Changed three to THREE."]);
    expect(summary.skippedLines).toBe(0);
    expect(summary.result).toMatchObject({
      subtype: "success",
      is_error: false,
      num_turns: 5,
      result: "Changed three to THREE.",
    });
    expect(summary.result?.total_cost_usd).toBeGreaterThan(0);
    expect(claudeInputTokens(summary.result!.usage!)).toBeGreaterThan(0);
    // The result line names the session, for the run's report.
    expect(summary.result?.session_id).toBe("0187889c-08dc-4423-81f3-373728d45496");
  });

  it("reads an API failure from the result line (subtype success, is_error true)", () => {
    const { events, summary } = read("claude-api-error.jsonl");
    // The CLI also shows the error as an assistant message of its own.
    expect(events).toEqual([
      { kind: "text", text: expect.stringMatching(/^API Error: 500 scripted failure/) },
    ]);
    expect(summary.result).toMatchObject({ subtype: "success", is_error: true, api_error_status: 500 });
    expect(claudeResultError(summary.result!)).toMatch(/^API Error: 500 scripted failure\..*\(HTTP 500\)$/);
  });

  it("explains the turn limit", () => {
    const { summary } = read("claude-max-turns.jsonl");
    expect(summary.result).toMatchObject({ subtype: "error_max_turns", is_error: true, num_turns: 11 });
    expect(claudeResultError(summary.result!)).toBe(
      "stopped at the turn limit after 11 turns (Reached maximum number of turns (10))",
    );
  });

  it("skips what it cannot read and leaves subagents' texts out of the answer", () => {
    const events: AgentEvent[] = [];
    const reader = createClaudeStreamReader((event) => events.push(event));
    reader.push("not json");
    reader.push('{"truncated": ');
    reader.push('{"type":"stream_event","event":{}}');
    reader.push(
      JSON.stringify({
        type: "assistant",
        parent_tool_use_id: "toolu_1",
        message: {
          content: [
            { type: "text", text: "inside a subagent" },
            { type: "thinking", thinking: "…" },
          ],
        },
      }),
    );
    reader.push(JSON.stringify({ type: "assistant", message: { content: "not an array" } }));
    reader.push(
      JSON.stringify({ type: "result", subtype: "success", is_error: false, usage: { input_tokens: "x" } }),
    );
    const summary = reader.summary();
    expect(summary.skippedLines).toBe(2);
    expect(summary.texts).toEqual([]);
    expect(events).toEqual([{ kind: "text", text: "inside a subagent" }]);
    expect(summary.result).toMatchObject({ is_error: false });
    expect(claudeInputTokens(summary.result!.usage!)).toBe(0);
  });

  it("tells when an MCP server did not start", () => {
    const events: AgentEvent[] = [];
    const reader = createClaudeStreamReader((event) => events.push(event));
    const init = readFileSync(new URL("./fixtures/claude-success.jsonl", import.meta.url), "utf8").split(
      "\n",
    )[0]!;
    reader.push(init);
    expect(events).toEqual([]);
    reader.push(init.replace('"status":"connected"', '"status":"failed"'));
    expect(events).toEqual([
      {
        kind: "error",
        text: "the MCP server agent_bridge did not connect (failed): its tools are unavailable",
      },
    ]);
  });

  it("aborts when the required MCP server is not connected in the init line, and names its status", () => {
    const init = readFileSync(new URL("./fixtures/claude-success.jsonl", import.meta.url), "utf8").split(
      "\n",
    )[0]!;
    const connected = createClaudeStreamReader(() => undefined, { requiredServer: "agent_bridge" });
    expect(connected.push(init)).toBeUndefined();
    expect(connected.summary().requiredServerDown).toBeNull();

    const pending = createClaudeStreamReader(() => undefined, { requiredServer: "agent_bridge" });
    expect(pending.push(init.replace('"status":"connected"', '"status":"pending"'))).toBe("abort");
    expect(pending.summary().requiredServerDown).toBe("pending");

    const absent = createClaudeStreamReader(() => undefined, { requiredServer: "other_server" });
    expect(absent.push(init)).toBe("abort");
    expect(absent.summary().requiredServerDown).toBe("missing");
  });

  it("names each tool call's tool, MCP tools as mcp__server__tool", () => {
    const events: AgentEvent[] = [];
    const reader = createClaudeStreamReader((event) => events.push(event));
    reader.push(
      JSON.stringify({
        type: "assistant",
        message: {
          content: [
            { type: "tool_use", name: "mcp__agent_bridge__create_inline_comment", input: { path: "a.ts" } },
          ],
        },
      }),
    );
    expect(events).toEqual([
      {
        kind: "tool",
        text: "mcp__agent_bridge__create_inline_comment: a.ts",
        tool: "mcp__agent_bridge__create_inline_comment",
      },
    ]);
  });

  it("describes a tool call by what it touches, on one line", () => {
    expect(describeClaudeTool("Bash", { command: "git log\n  --oneline" })).toBe("Bash: git log --oneline");
    expect(describeClaudeTool("Grep", { pattern: "TODO", path: "src" })).toBe("Grep: TODO");
    expect(describeClaudeTool("TodoWrite", { todos: [] })).toBe("TodoWrite");
    expect(describeClaudeTool("Bash", { command: "x".repeat(500) })).toBe(`Bash: ${"x".repeat(199)}…`);
  });
});
