// `codex exec --json` lines as the real CLI (0.169.0) printed them against the scripted model server
// (fixtures/*.jsonl, temp paths replaced), read back through the stream reader.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCodexStreamReader, describeCodexItem } from "../../../../job/agents/codex-stream.ts";
import type { AgentEvent } from "../../../../job/contracts.ts";

function read(name: string, extra: string[] = []) {
  const events: AgentEvent[] = [];
  const reader = createCodexStreamReader((event) => events.push(event));
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
  for (const line of [...text.split("\n"), ...extra]) if (line !== "") reader.push(line);
  return { events, summary: reader.summary() };
}

describe("job/agents/codex-stream", () => {
  it("turns a successful run into text and tool events, the last message and the usage", () => {
    const { events, summary } = read("codex-success.jsonl");
    expect(events).toEqual([
      { kind: "text", text: "Planning." },
      { kind: "tool", text: "$ cat app.txt" },
      { kind: "tool", text: "Edited /work/repo/app.txt (update)" },
      { kind: "tool", text: "agent_bridge.update_progress", tool: "mcp__agent_bridge__update_progress" },
      { kind: "text", text: "Changed three to THREE." },
    ]);
    expect(summary).toMatchObject({
      messages: ["Planning.", "Changed three to THREE."],
      turnsCompleted: 1,
      failure: null,
      lastError: null,
      cachedInputTokens: 0,
      skippedLines: 0,
    });
    expect(summary.inputTokens).toBeGreaterThan(0);
    expect(summary.outputTokens).toBeGreaterThan(0);
    // thread.started names the session (`codex exec resume <id>`), for the run's report.
    expect(summary.threadId).toBe("01a20168-468c-7bd3-b1d7-53e2b31ea8a1");
  });

  it("takes the API's own message out of a failed turn", () => {
    const { events, summary } = read("codex-api-error.jsonl");
    expect(summary.failure).toBe("scripted failure");
    expect(summary.turnsCompleted).toBe(0);
    expect(events).toEqual([{ kind: "error", text: "scripted failure" }]);
  });

  it("does not count a reconnect notice as a failure", () => {
    const { events, summary } = read("codex-reconnect.jsonl");
    expect(summary).toMatchObject({ failure: null, lastError: null, turnsCompleted: 1 });
    expect(events.filter((e) => e.kind === "error")).toEqual([]);
  });

  it("renders the plan as a checklist, once per change", () => {
    // gpt-5.5 in Codex 0.169 has no update_plan tool, so these lines follow the documented item shape.
    const todo = (id: string, type: string, done: boolean[]) =>
      JSON.stringify({
        type,
        item: {
          id,
          type: "todo_list",
          items: done.map((completed, i) => ({ text: `step ${i + 1}`, completed })),
        },
      });
    const { events } = read("codex-api-error.jsonl", [
      todo("t1", "item.started", [false, false]),
      todo("t1", "item.updated", [false, false]),
      todo("t1", "item.updated", [true, false]),
      todo("t1", "item.completed", [true, true]),
    ]);
    expect(events.filter((e) => e.kind === "todo")).toEqual([
      { kind: "todo", text: "- [ ] step 1\n- [ ] step 2" },
      { kind: "todo", text: "- [x] step 1\n- [ ] step 2" },
      { kind: "todo", text: "- [x] step 1\n- [x] step 2" },
    ]);
  });

  it("reports a tool once even when only its completion is seen, and skips what it cannot read", () => {
    const events: AgentEvent[] = [];
    const reader = createCodexStreamReader((event) => events.push(event));
    reader.push("Reading prompt from stdin...");
    reader.push('{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"ls"}}');
    reader.push('{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"ls"}}');
    reader.push('{"type":"item.completed","item":{"id":"i2","type":"reasoning","text":"hmm"}}');
    reader.push('{"type":"item.completed","item":{"id":"i3","type":"error","message":"a warning"}}');
    reader.push('{"type":"error","message":"stream error: broken pipe"}');
    reader.push('{"type":"turn.failed"}');
    expect(events).toEqual([
      { kind: "tool", text: "$ ls" },
      { kind: "error", text: "a warning" },
      { kind: "error", text: "stream error: broken pipe" },
    ]);
    expect(reader.summary()).toMatchObject({ skippedLines: 1, failure: "stream error: broken pipe" });
  });

  it("shows the command inside Codex's shell wrapper", () => {
    expect(
      describeCodexItem({ type: "command_execution", command: `/bin/bash -lc 'echo '"'"'hi'"'"''` } as never),
    ).toBe("$ echo 'hi'");
    expect(describeCodexItem({ type: "web_search", query: "zod 4" } as never)).toBe("Web search: zod 4");
    expect(describeCodexItem({ type: "reasoning" })).toBeUndefined();
  });
});
