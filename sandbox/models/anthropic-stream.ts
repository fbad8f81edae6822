// One scripted turn as the Anthropic Messages API streams it: message_start, a start/delta/stop triple
// per content block, message_delta with the stop reason, message_stop. Pure: the server plays the parts.
import { randomUUID } from "node:crypto";
import type { StreamPart } from "./model-http-server.ts";
import type { Turn } from "./script.ts";

export interface AnthropicStreamOptions {
  model: string;
  /** Reported as usage.input_tokens; a rough size of the request is enough. */
  inputTokens: number;
}

export function anthropicStream(turn: Turn, options: AnthropicStreamOptions): StreamPart[] {
  const parts: StreamPart[] = [];
  const event = (type: string, data: Record<string, unknown>): void => {
    parts.push({ kind: "event", event: type, data: { type, ...data } });
  };
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    event("message_start", {
      message: {
        id: `msg_${randomUUID().replaceAll("-", "")}`,
        type: "message",
        role: "assistant",
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: options.inputTokens, output_tokens: 1 },
      },
    });
  };

  let index = 0;
  let outputChars = 0;
  let usedTool = false;
  for (const step of turn) {
    if ("delayMs" in step) {
      parts.push({ kind: "delay", ms: step.delayMs });
    } else if ("error" in step) {
      const body = anthropicErrorBody(step.error.status, step.error.message);
      if (!started) {
        parts.push({ kind: "http-error", status: step.error.status, body });
      } else {
        // Mid-stream the API can only say it with an error event; the client drops the message.
        parts.push({ kind: "event", event: "error", data: body });
      }
      return parts;
    } else if ("text" in step) {
      start();
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      event("content_block_delta", { index, delta: { type: "text_delta", text: step.text } });
      event("content_block_stop", { index });
      outputChars += step.text.length;
      index++;
    } else {
      start();
      const id = `toolu_${randomUUID().replaceAll("-", "")}`;
      const json = JSON.stringify(step.input);
      event("content_block_start", {
        index,
        content_block: { type: "tool_use", id, name: step.tool, input: {} },
      });
      event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: json } });
      event("content_block_stop", { index });
      outputChars += json.length;
      usedTool = true;
      index++;
    }
  }
  start();
  event("message_delta", {
    delta: { stop_reason: usedTool ? "tool_use" : "end_turn", stop_sequence: null },
    usage: { output_tokens: Math.max(1, Math.ceil(outputChars / 4)) },
  });
  event("message_stop", {});
  return parts;
}

/** The API's error body: `{ type: "error", error: { type, message } }`, the type following the status. */
export function anthropicErrorBody(status: number, message: string): unknown {
  return { type: "error", error: { type: anthropicErrorType(status), message } };
}

function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}
