// A scripted Anthropic Messages API on loopback: Claude Code (ANTHROPIC_BASE_URL = url) gets its answers
// from a script instead of a model. Stateless: the answer follows from the conversation in each request.
// The same conversation is served in the forms of the clouds Claude Code speaks to: Bedrock's runtime
// (`POST /model/<id>/invoke-with-response-stream`, AWS event stream frames; `/invoke`) and control plane
// (`GET /inference-profiles`), and Vertex AI (`POST /v1/projects/<p>/locations/<r>/publishers/anthropic/
// models/<m>:streamRawPredict`, server-sent events; `:rawPredict`), for a url ending in /v1 as
// ANTHROPIC_VERTEX_BASE_URL takes it. Which credential came with each request is the caller's to check.
import { z } from "zod";
import { anthropicErrorBody, anthropicStream } from "./anthropic-stream.ts";
import { startModelHttpServer } from "./model-http-server.ts";
import type { HandledRequest, IncomingModelRequest } from "./model-http-server.ts";
import type { ModelServer, ModelServerOptions } from "./model-server.ts";
import { turnFor } from "./script.ts";
import type { ScriptSource, Turn } from "./script.ts";

// Only what the server reads; everything else in the body passes unchecked.
const messagesRequest = z.looseObject({
  model: z.string().optional(),
  messages: z.array(z.looseObject({ role: z.string() })),
  tools: z.array(z.unknown()).optional(),
  stream: z.boolean().optional(),
});

/** The answer to a model call that is not the agent's conversation (a title, a summary). */
const auxiliaryTurn: Turn = [{ text: "Scripted session" }];

export async function startAnthropicModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const server = await startModelHttpServer({
    handle: (request) => handleAnthropic(request, options.script),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.host !== undefined && { host: options.host }),
    ...(options.onRequest !== undefined && { onRequest: options.onRequest }),
  });
  return { url: server.origin, requests: server.requests, close: server.close };
}

const BEDROCK_INVOKE = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;
const VERTEX_PREDICT =
  /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

async function handleAnthropic(request: IncomingModelRequest, script: ScriptSource): Promise<HandledRequest> {
  const path = request.url.split("?")[0] ?? "";
  const bedrock = request.method === "POST" ? BEDROCK_INVOKE.exec(path) : null;
  if (bedrock) {
    return answerMessages(request, script, {
      model: decodeURIComponent(bedrock[1] ?? ""),
      stream: bedrock[2] === "invoke-with-response-stream",
      encoding: "aws-event-stream",
    });
  }
  const vertex = request.method === "POST" ? VERTEX_PREDICT.exec(path) : null;
  if (vertex) {
    return answerMessages(request, script, {
      model: decodeURIComponent(vertex[1] ?? ""),
      stream: vertex[2] === "streamRawPredict",
      encoding: "sse",
    });
  }
  if (request.method === "GET" && path === "/inference-profiles") {
    return {
      kind: "other",
      reply: { kind: "json", status: 200, body: { inferenceProfileSummaries: [] } },
    };
  }
  if (request.method === "POST" && path === "/v1/messages") {
    return answerMessages(request, script, { encoding: "sse" });
  }
  return handleOther(request, path);
}

/** A Messages call; the model and whether it streams come from the path on the clouds, else from the body. */
async function answerMessages(
  request: IncomingModelRequest,
  script: ScriptSource,
  form: { model?: string; stream?: boolean; encoding: "sse" | "aws-event-stream" },
): Promise<HandledRequest> {
  const parsed = messagesRequest.safeParse(request.body);
  if (!parsed.success) {
    const reply = jsonError(400, `invalid messages request: ${z.prettifyError(parsed.error)}`);
    return { kind: "other", reply };
  }
  const body = parsed.data;
  // The agent's conversation carries its tools; side calls (titles, summaries) carry none.
  const isTurn = (body.tools?.length ?? 0) > 0;
  const turnIndex = countAnswers(body.messages);
  const turn = isTurn ? await turnFor(script, { turnIndex, body: request.body }) : auxiliaryTurn;
  const model = form.model ?? body.model ?? "claude-scripted";
  const inputTokens = estimateTokens(request.body);
  const reply =
    (form.stream ?? body.stream) === true
      ? {
          kind: "stream" as const,
          parts: anthropicStream(turn, { model, inputTokens }),
          encoding: form.encoding,
        }
      : anthropicMessage(turn, model, inputTokens);
  return isTurn ? { kind: "turn", turnIndex, reply } : { kind: "auxiliary", reply };
}

function handleOther(request: IncomingModelRequest, path: string): HandledRequest {
  if (request.method === "POST" && path === "/v1/messages/count_tokens") {
    return {
      kind: "other",
      reply: { kind: "json", status: 200, body: { input_tokens: estimateTokens(request.body) } },
    };
  }
  if (request.method === "GET" && path === "/v1/models") {
    const models = [
      {
        type: "model",
        id: "claude-scripted",
        display_name: "Scripted",
        created_at: "2025-01-01T00:00:00Z",
      },
    ];
    const body = { data: models, has_more: false, first_id: "claude-scripted", last_id: "claude-scripted" };
    return { kind: "other", reply: { kind: "json", status: 200, body } };
  }
  if (request.method === "HEAD" || (request.method === "GET" && path === "/")) {
    // Connectivity probes.
    return { kind: "other", reply: { kind: "empty", status: 200 } };
  }
  return { kind: "other", reply: jsonError(404, `no such endpoint: ${request.method} ${path}`) };
}

/**
 * How many answers the model already gave: runs of assistant messages, so an answer split over several
 * consecutive assistant messages still counts once. System entries are neither.
 */
export function countAnswers(messages: ReadonlyArray<{ role: string }>): number {
  let answers = 0;
  let previous = "";
  for (const message of messages) {
    if (message.role === "system") continue;
    if (message.role === "assistant" && previous !== "assistant") answers++;
    previous = message.role;
  }
  return answers;
}

/** A non-streaming answer (Claude Code streams; other clients may not). Pauses are not played here. */
function anthropicMessage(turn: Turn, model: string, inputTokens: number): HandledRequest["reply"] {
  const content: unknown[] = [];
  for (const step of turn) {
    if ("error" in step) return jsonError(step.error.status, step.error.message);
    if ("text" in step) content.push({ type: "text", text: step.text });
    if ("tool" in step) {
      content.push({ type: "tool_use", id: `toolu_${content.length}`, name: step.tool, input: step.input });
    }
  }
  const usedTool = turn.some((step) => "tool" in step);
  const body = {
    id: "msg_scripted",
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: usedTool ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: 1 },
  };
  return { kind: "json", status: 200, body };
}

function jsonError(status: number, message: string): HandledRequest["reply"] {
  return { kind: "json", status, body: anthropicErrorBody(status, message) };
}

function estimateTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? "").length / 4));
}
