// A scripted OpenAI Responses API on loopback: Codex (a custom provider with base_url = url) gets its
// answers from a script instead of a model. Stateless: Codex resends the whole history on every call.
import { z } from "zod";
import { startModelHttpServer } from "./model-http-server.ts";
import type { HandledRequest, IncomingModelRequest } from "./model-http-server.ts";
import type { ModelServer, ModelServerOptions } from "./model-server.ts";
import { openaiErrorBody, openaiStream } from "./openai-stream.ts";
import { turnFor } from "./script.ts";
import type { ScriptSource, Turn } from "./script.ts";

// Only what the server reads; everything else in the body passes unchecked.
const responsesRequest = z.looseObject({
  model: z.string().optional(),
  input: z.union([
    z.string(),
    z.array(z.looseObject({ type: z.string().optional(), role: z.string().optional() })),
  ]),
  tools: z.array(z.unknown()).optional(),
  stream: z.boolean().optional(),
});

/** The answer to a model call that is not the agent's conversation (a title, a summary). */
const auxiliaryTurn: Turn = [{ text: "Scripted session" }];

/** Items the model produced; everything else in `input` (user text, tool outputs) came from the client. */
const modelItemTypes = new Set([
  "function_call",
  "custom_tool_call",
  "local_shell_call",
  "reasoning",
  "web_search_call",
  "tool_search_call",
  "image_generation_call",
]);

export async function startOpenAIModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const server = await startModelHttpServer({
    handle: (request) => handleOpenAI(request, options.script),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.host !== undefined && { host: options.host }),
    ...(options.onRequest !== undefined && { onRequest: options.onRequest }),
  });
  return { url: `${server.origin}/v1`, requests: server.requests, close: server.close };
}

async function handleOpenAI(request: IncomingModelRequest, script: ScriptSource): Promise<HandledRequest> {
  const path = request.url.split("?")[0] ?? "";
  if (request.method === "POST" && path === "/v1/responses") {
    const parsed = responsesRequest.safeParse(request.body);
    if (!parsed.success) {
      return {
        kind: "other",
        reply: jsonError(400, `invalid responses request: ${z.prettifyError(parsed.error)}`),
      };
    }
    const body = parsed.data;
    // The agent's conversation carries its tools; side calls (titles, summaries) carry none.
    const isTurn = (body.tools?.length ?? 0) > 0;
    const turnIndex = typeof body.input === "string" ? 0 : countAnswers(body.input);
    const turn = isTurn ? await turnFor(script, { turnIndex, body: request.body }) : auxiliaryTurn;
    const stream = openaiStream(turn, {
      model: body.model ?? "gpt-scripted",
      inputTokens: Math.max(1, Math.ceil(JSON.stringify(request.body).length / 4)),
    });
    // Codex always streams; a non-streaming caller still gets the stream (or the error) rather than nothing.
    const reply = { kind: "stream" as const, parts: stream };
    return isTurn ? { kind: "turn", turnIndex, reply } : { kind: "auxiliary", reply };
  }
  if (request.method === "HEAD" || (request.method === "GET" && path === "/")) {
    return { kind: "other", reply: { kind: "empty", status: 200 } };
  }
  // Model lists and the like: Codex falls back to what it knows when these are absent.
  return { kind: "other", reply: jsonError(404, `no such endpoint: ${request.method} ${path}`) };
}

/**
 * How many answers the model already gave: runs of model-produced items in the history (an answer with
 * a message and two tool calls is one run), each closed by the client's items (tool outputs, user text).
 */
export function countAnswers(
  input: ReadonlyArray<{ type?: string | undefined; role?: string | undefined }>,
): number {
  let answers = 0;
  let inAnswer = false;
  for (const item of input) {
    const fromModel =
      (item.type !== undefined && modelItemTypes.has(item.type)) ||
      ((item.type === "message" || item.type === undefined) && item.role === "assistant");
    if (fromModel && !inAnswer) answers++;
    inAnswer = fromModel;
  }
  return answers;
}

function jsonError(status: number, message: string): HandledRequest["reply"] {
  return { kind: "json", status, body: openaiErrorBody(status, message) };
}
