// Reads `codex exec --json` lines as they come: agent messages become text events (the last one is the
// answer), commands, file changes and MCP calls become tool events, the plan becomes a todo event, and
// turn.completed / turn.failed / error say how the run ended. Lenient: unknown or malformed lines are
// skipped, since a newer CLI may add event and item types.
import { z } from "zod";
import type { AgentEvent } from "../contracts.ts";
import { oneLine } from "./event-text.ts";

const item = z.looseObject({ id: z.string().catch(""), type: z.string() });
const itemLine = z.looseObject({
  type: z.enum(["item.started", "item.updated", "item.completed"]),
  item,
});
const usageSchema = z.looseObject({
  input_tokens: z.number().catch(0),
  cached_input_tokens: z.number().optional().catch(undefined),
  output_tokens: z.number().catch(0),
});
const turnCompletedLine = z.looseObject({ type: z.literal("turn.completed"), usage: usageSchema.optional() });
const turnFailedLine = z.looseObject({
  type: z.literal("turn.failed"),
  error: z.looseObject({ message: z.string() }).optional().catch(undefined),
});
const threadStartedLine = z.looseObject({ type: z.literal("thread.started"), thread_id: z.string() });
const errorLine = z.looseObject({ type: z.literal("error"), message: z.string().catch("unknown error") });

const agentMessage = z.looseObject({ text: z.string() });
const commandExecution = z.looseObject({ command: z.string() });
const fileChange = z.looseObject({
  changes: z.array(z.looseObject({ path: z.string(), kind: z.string().catch("update") })).catch([]),
});
const mcpToolCall = z.looseObject({ server: z.string(), tool: z.string() });
const webSearch = z.looseObject({ query: z.string().catch("") });
const todoList = z.looseObject({
  items: z.array(z.looseObject({ text: z.string(), completed: z.boolean().catch(false) })).catch([]),
});
const errorItem = z.looseObject({ message: z.string() });

const STEP_TYPES = new Set([
  "agent_message",
  "command_execution",
  "file_change",
  "mcp_tool_call",
  "web_search",
]);

/** What the stream said about the run once it ended. */
export interface CodexStreamSummary {
  /** Every agent message, in order; the last one is the answer. */
  messages: string[];
  /** turn.completed lines seen (`codex exec` runs one turn). */
  turnsCompleted: number;
  /**
   * Agent steps: completed messages, commands, file changes, MCP calls and web searches. The stream does not
   * show the model's requests, so this stands for Claude's num_turns on the placeholder.
   */
  steps: number;
  /** The turn.failed message (its API error text when the message wraps one), or null. */
  failure: string | null;
  /** The last top-level error event's message (retry notices left out), or null. */
  lastError: string | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  skippedLines: number;
  /** thread.started's thread_id: the session, as `codex exec resume` names it. */
  threadId: string | null;
}

export interface CodexStreamReader {
  /** One stdout line; "final" once the turn has completed or failed (exec runs one turn). */
  push(line: string): void | "final";
  summary(): CodexStreamSummary;
}

export function createCodexStreamReader(onEvent: (event: AgentEvent) => void): CodexStreamReader {
  const state: CodexStreamSummary = {
    messages: [],
    turnsCompleted: 0,
    steps: 0,
    failure: null,
    lastError: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    skippedLines: 0,
    threadId: null,
  };
  // Tool items are reported once, when they start (or when they complete if their start was not seen).
  const reported = new Set<string>();
  let lastTodo = "";

  const onItem = (phase: "item.started" | "item.updated" | "item.completed", raw: z.infer<typeof item>) => {
    if (raw.type === "todo_list") {
      const parsed = todoList.safeParse(raw);
      if (!parsed.success) return;
      const text = parsed.data.items
        .map((i) => `- [${i.completed ? "x" : " "}] ${oneLine(i.text)}`)
        .join("\n");
      if (text !== "" && text !== lastTodo) {
        lastTodo = text;
        onEvent({ kind: "todo", text });
      }
      return;
    }
    if (phase === "item.updated") return;
    if (phase === "item.completed" && STEP_TYPES.has(raw.type)) state.steps++;
    if (raw.type === "agent_message") {
      if (phase !== "item.completed") return;
      const parsed = agentMessage.safeParse(raw);
      if (parsed.success && parsed.data.text.trim() !== "") {
        state.messages.push(parsed.data.text);
        onEvent({ kind: "text", text: parsed.data.text });
      }
      return;
    }
    if (raw.type === "error") {
      const parsed = errorItem.safeParse(raw);
      if (phase === "item.completed" && parsed.success) onEvent({ kind: "error", text: parsed.data.message });
      return;
    }
    // A file change is only known in full once it completes.
    if (raw.type === "file_change" && phase !== "item.completed") return;
    const key = raw.id === "" ? undefined : raw.id;
    if (key !== undefined && reported.has(key)) return;
    const text = describeCodexItem(raw);
    if (text === undefined) return;
    if (key !== undefined) reported.add(key);
    const mcp = raw.type === "mcp_tool_call" ? mcpToolCall.safeParse(raw) : undefined;
    // Named as Claude Code names MCP tools, so the job counts either CLI's calls the same way.
    if (mcp?.success) onEvent({ kind: "tool", text, tool: `mcp__${mcp.data.server}__${mcp.data.tool}` });
    else onEvent({ kind: "tool", text });
  };

  return {
    push(line) {
      const json = parseJson(line);
      if (json === undefined) {
        state.skippedLines++;
        return;
      }
      const itemEvent = itemLine.safeParse(json);
      if (itemEvent.success) {
        onItem(itemEvent.data.type, itemEvent.data.item);
        return;
      }
      const completed = turnCompletedLine.safeParse(json);
      if (completed.success) {
        state.turnsCompleted++;
        const usage = completed.data.usage;
        if (usage) {
          state.inputTokens += usage.input_tokens;
          state.cachedInputTokens += usage.cached_input_tokens ?? 0;
          state.outputTokens += usage.output_tokens;
        }
        return "final";
      }
      const failed = turnFailedLine.safeParse(json);
      if (failed.success) {
        state.failure = apiErrorText(failed.data.error?.message ?? state.lastError ?? "the turn failed");
        return "final";
      }
      const error = errorLine.safeParse(json);
      if (error.success) {
        // "Reconnecting... 1/5 (...)": a retry under way, not a failure; if the retries run out,
        // turn.failed says so.
        if (/^Reconnecting\b/.test(error.data.message)) return;
        state.lastError = apiErrorText(error.data.message);
        onEvent({ kind: "error", text: state.lastError });
        return;
      }
      const thread = threadStartedLine.safeParse(json);
      if (thread.success) {
        state.threadId = thread.data.thread_id;
        return;
      }
      // turn.started and future event types: nothing to report.
    },
    summary: () => ({ ...state, messages: [...state.messages] }),
  };
}

/** One short line for a tool-like item, or undefined for items that are not tools (reasoning, unknown). */
export function describeCodexItem(raw: { type: string }): string | undefined {
  switch (raw.type) {
    case "command_execution": {
      const parsed = commandExecution.safeParse(raw);
      return parsed.success ? `$ ${oneLine(unwrapShell(parsed.data.command))}` : undefined;
    }
    case "file_change": {
      const parsed = fileChange.safeParse(raw);
      if (!parsed.success) return undefined;
      const files = parsed.data.changes.map((c) => `${c.path} (${c.kind})`).join(", ");
      return oneLine(`Edited ${files || "files"}`);
    }
    case "mcp_tool_call": {
      const parsed = mcpToolCall.safeParse(raw);
      return parsed.success ? `${parsed.data.server}.${parsed.data.tool}` : undefined;
    }
    case "web_search": {
      const parsed = webSearch.safeParse(raw);
      return parsed.success ? oneLine(`Web search: ${parsed.data.query}`) : undefined;
    }
    default:
      return undefined;
  }
}

// Codex runs each command as `/bin/bash -lc '<command>'`: show the command itself.
function unwrapShell(command: string): string {
  const wrapped = /^\S*\/(?:ba|z)?sh -l?c '([^]*)'$/.exec(command);
  return wrapped?.[1]?.replaceAll(`'"'"'`, "'") ?? command;
}

// An API failure comes as the provider's JSON error body inside the message: keep its own words.
function apiErrorText(message: string): string {
  if (!message.trimStart().startsWith("{")) return message;
  try {
    const body = JSON.parse(message) as { error?: { message?: unknown }; message?: unknown };
    const inner = body.error?.message ?? body.message;
    return typeof inner === "string" && inner !== "" ? inner : message;
  } catch {
    return message;
  }
}

function parseJson(line: string): unknown {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
