// One scripted turn as the OpenAI Responses API streams it to Codex: response.created, per output item
// output_item.added (+ output_text.delta) + output_item.done, then response.completed with usage.
// Pure: the server plays the parts.
import { randomUUID } from "node:crypto";
import type { StreamPart } from "./model-http-server.ts";
import type { TextStep, ToolStep, Turn } from "./script.ts";

export interface OpenAIStreamOptions {
  model: string;
  /** Reported as usage.input_tokens; a rough size of the request is enough. */
  inputTokens: number;
}

/** Codex's shell tool for the models it knows (shell_type "unified_exec"). */
export const shellToolName = "exec_command";

export function openaiStream(turn: Turn, options: OpenAIStreamOptions): StreamPart[] {
  const parts: StreamPart[] = [];
  const responseId = `resp_${randomId()}`;
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>): void => {
    parts.push({ kind: "event", event: type, data: { type, sequence_number: sequence++, ...data } });
  };
  const response = (status: string, extra: Record<string, unknown>): Record<string, unknown> => ({
    id: responseId,
    object: "response",
    created_at: 0,
    status,
    model: options.model,
    ...extra,
  });
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    event("response.created", { response: response("in_progress", { output: [] }) });
  };
  const fail = (status: number, message: string): StreamPart[] => {
    if (!started) {
      parts.push({ kind: "http-error", status, body: openaiErrorBody(status, message) });
    } else {
      const error = { code: openaiErrorCode(status), message };
      event("response.failed", { response: response("failed", { output: [], error }) });
    }
    return parts;
  };

  const output: Record<string, unknown>[] = [];
  let outputChars = 0;
  for (const step of turn) {
    if ("delayMs" in step) {
      parts.push({ kind: "delay", ms: step.delayMs });
      continue;
    }
    if ("error" in step) return fail(step.error.status, step.error.message);
    const item = outputItem(step);
    if (typeof item === "string") return fail(400, item);
    start();
    const outputIndex = output.length;
    if (item.type === "message") {
      const text = "text" in step ? step.text : "";
      event("response.output_item.added", {
        output_index: outputIndex,
        item: { ...item, status: "in_progress", content: [] },
      });
      event("response.output_text.delta", {
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        delta: text,
      });
      outputChars += text.length;
    } else {
      event("response.output_item.added", { output_index: outputIndex, item });
      outputChars += JSON.stringify(item).length;
    }
    event("response.output_item.done", { output_index: outputIndex, item });
    output.push(item);
  }
  start();
  const outputTokens = Math.max(1, Math.ceil(outputChars / 4));
  const usage = {
    input_tokens: options.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: options.inputTokens + outputTokens,
  };
  event("response.completed", { response: response("completed", { output, usage }) });
  return parts;
}

/** The Responses output item for a text or tool step, or why the step does not fit. */
function outputItem(step: TextStep | ToolStep): Record<string, unknown> | string {
  if ("text" in step) {
    return {
      type: "message",
      id: `msg_${randomId()}`,
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: step.text, annotations: [] }],
    };
  }
  const callId = `call_${randomId()}`;
  if (step.tool === "apply_patch") {
    const patch = step.input["patch"];
    if (typeof patch !== "string") return 'scripted apply_patch needs input { "patch": string }';
    return {
      type: "custom_tool_call",
      id: `ctc_${randomId()}`,
      call_id: callId,
      name: "apply_patch",
      input: patch,
      status: "completed",
    };
  }
  if (step.tool === "tool_search") {
    // Codex defers MCP tools behind its client-side tool search; the result exposes them for the next call.
    return {
      type: "tool_search_call",
      id: `ts_${randomId()}`,
      call_id: callId,
      execution: "client",
      arguments: step.input,
      status: "completed",
    };
  }
  if (step.tool === "shell" && typeof step.input["cmd"] !== "string") {
    return 'scripted shell needs input { "cmd": string }';
  }
  // MCP tools: Codex names them in namespaces ("mcp__SERVER") holding the bare tool name.
  const mcp = /^(mcp__.+?)__(.+)$/.exec(step.tool);
  return {
    type: "function_call",
    id: `fc_${randomId()}`,
    call_id: callId,
    ...(mcp
      ? { namespace: mcp[1], name: mcp[2] }
      : { name: step.tool === "shell" ? shellToolName : step.tool }),
    arguments: JSON.stringify(step.input),
    status: "completed",
  };
}

/** The API's error body: `{ error: { message, type, param, code } }`. */
export function openaiErrorBody(status: number, message: string): unknown {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param: null, code: openaiErrorCode(status) } };
}

function openaiErrorCode(status: number): string {
  if (status === 429) return "rate_limit_exceeded";
  if (status >= 500) return "server_error";
  if (status === 401) return "invalid_api_key";
  return "invalid_request_error";
}

function randomId(): string {
  return randomUUID().replaceAll("-", "");
}
