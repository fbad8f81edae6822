// The HTTP side shared by both scripted model servers: listen on loopback, read and record every
// request, play the reply an API module chose (a JSON answer or a stream with pauses), close cleanly.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bedrockChunk, EVENT_STREAM_CONTENT_TYPE } from "./aws-event-stream.ts";
import { formatSseEvent } from "./sse.ts";

/** One request a CLI made, as received; `kind` tells how the server treated it. */
export interface RecordedRequest {
  method: string;
  /** Path and query string as sent, e.g. "/v1/messages?beta=true". */
  url: string;
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** The body's bytes as received (what a signature covers). */
  rawBody: Buffer;
  /**
   * "turn": a call of the agent's main conversation, answered from the script;
   * "auxiliary": another model call (a title, a summary) answered with a short text, script untouched;
   * "other": anything else (token counts, probes, model lists, unknown paths).
   */
  kind: "turn" | "auxiliary" | "other";
  /** For a turn: the index of the script turn played (0-based). */
  turnIndex?: number;
}

export type IncomingModelRequest = Pick<RecordedRequest, "method" | "url" | "headers" | "body" | "rawBody">;

/** A piece of a streamed reply. */
export type StreamPart =
  | { kind: "event"; event: string; data: unknown }
  | { kind: "delay"; ms: number }
  /** Only as the first parts (after delays): nothing was streamed yet, so a plain HTTP error fits. */
  | { kind: "http-error"; status: number; body: unknown };

export type Reply =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "empty"; status: number }
  /** Server-sent events; or, for Bedrock, AWS event stream frames each carrying one event's JSON. */
  | { kind: "stream"; parts: StreamPart[]; encoding?: "sse" | "aws-event-stream" };

export interface HandledRequest {
  kind: RecordedRequest["kind"];
  turnIndex?: number;
  reply: Reply;
}

export type ModelRequestHandler = (request: IncomingModelRequest) => Promise<HandledRequest>;

export interface ModelHttpServer {
  /** "http://HOST:PORT", no trailing slash. */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface ModelHttpServerOptions {
  handle: ModelRequestHandler;
  port?: number;
  host?: string;
  onRequest?: (request: RecordedRequest) => void;
}

export async function startModelHttpServer(options: ModelHttpServerOptions): Promise<ModelHttpServer> {
  const requests: RecordedRequest[] = [];
  // Aborted on close so a scripted pause never holds the server (or a test) open.
  const closing = new AbortController();

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        const message = error instanceof Error ? error.message : String(error);
        res.end(JSON.stringify({ type: "error", error: { type: "api_error", message } }));
      } else {
        res.destroy();
      }
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const incoming: IncomingModelRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: flattenHeaders(req),
      body: parseBody(rawBody.toString("utf8")),
      rawBody,
    };
    const handled = await options.handle(incoming);
    const recorded: RecordedRequest = { ...incoming, kind: handled.kind };
    if (handled.turnIndex !== undefined) recorded.turnIndex = handled.turnIndex;
    requests.push(recorded);
    options.onRequest?.(recorded);
    await sendReply(res, handled.reply, closing.signal);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    origin: `http://${host}:${address.port}`,
    requests,
    close: async () => {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function sendReply(res: ServerResponse, reply: Reply, closing: AbortSignal): Promise<void> {
  if (reply.kind === "json") {
    res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
    res.end(JSON.stringify(reply.body));
    return;
  }
  if (reply.kind === "empty") {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  // Stop playing when the client hangs up (a killed CLI) or the server closes.
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  const stop = AbortSignal.any([gone.signal, closing]);
  const aws = reply.encoding === "aws-event-stream";
  const streamHeaders = aws
    ? { "content-type": EVENT_STREAM_CONTENT_TYPE }
    : { "content-type": "text/event-stream", "cache-control": "no-cache" };
  for (const part of reply.parts) {
    if (stop.aborted) return;
    if (part.kind === "delay") {
      await pause(part.ms, stop);
    } else if (part.kind === "http-error") {
      if (res.headersSent) throw new Error("http-error after the stream started");
      res.writeHead(part.status, { "content-type": "application/json" });
      res.end(JSON.stringify(part.body));
      return;
    } else {
      if (!res.headersSent) res.writeHead(200, streamHeaders);
      res.write(aws ? bedrockChunk(part.data) : formatSseEvent(part.event, part.data));
    }
  }
  if (!res.headersSent) res.writeHead(200, streamHeaders);
  res.end();
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}
