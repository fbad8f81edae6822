// The webhook receiver as a plain node:http server, for `agent-bridge serve` (a container, a VM, a laptop
// next to the sandbox). Routes: POST /webhook → the core handler; GET /healthz → {"ok":true}; anything else
// 404. It reads a body only up to a hard cap and answers 413 as soon as the cap is passed, so an oversized
// or endless upload is never buffered. close() is graceful: stop accepting, let in-flight deliveries finish
// (their GitLab calls were already made or are under way: cutting them off would strand a claim), then end.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookResponse } from "../../shared/webhook/handler.ts";
import { adapterResponse, type WebhookHandler } from "../shared-wiring.ts";

export const WEBHOOK_PATH = "/webhook";
export const HEALTH_PATH = "/healthz";

export interface WebhookServerOptions {
  handler: WebhookHandler;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Largest body read, in bytes (default 1 MiB, the settings' MAX_BODY_BYTES default). */
  maxBodyBytes?: number;
  /** How long close() waits for in-flight deliveries before it cuts them off (default 15 000 ms). */
  shutdownGraceMs?: number;
}

export interface WebhookServer {
  /** http://HOST:PORT, with a loopback host when listening on every interface. */
  url: string;
  /** `${url}/webhook`: what the GitLab project's webhook points at. */
  webhookUrl: string;
  port: number;
  /** Stops accepting, waits for in-flight deliveries (up to the grace period), closes every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1_048_576;
// Above GitLab's 10 s delivery timeout plus the handler's cleanup budget: a delivery still running then is
// one GitLab has given up on.
const DEFAULT_SHUTDOWN_GRACE_MS = 15_000;

/**
 * Starts the receiver and resolves once it listens.
 *
 *   const server = await startWebhookServer({ handler, port: 8080, host: "0.0.0.0" });
 *   console.log(server.webhookUrl);
 *   process.once("SIGTERM", () => void server.close());
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const inFlight = new Set<Promise<void>>();
  let closing = false;

  const server = createServer((req, res) => {
    const task = route(req, res).catch((error: unknown) => {
      // The core answers every failure itself; reaching here is a bug in this file or a broken socket.
      console.error(`agent-bridge serve: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) send(res, adapterResponse(500, "error", "internal error"));
      else res.destroy();
    });
    const tracked = task.finally(() => {
      inFlight.delete(tracked);
      // A keep-alive connection that just went idle would otherwise hold close() until its timeout.
      if (closing) server.closeIdleConnections();
    });
    inFlight.add(tracked);
  });
  // A client that trickles its headers or body in must not hold a connection for Node's default 5 minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (closing) {
      // A request on a kept-alive connection after close(): GitLab does not redeliver it; the sweep serves it.
      return discardAndSend(req, res, adapterResponse(503, "error", "shutting down"));
    }
    if (path === HEALTH_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return discardAndSend(req, res, methodNotAllowed("GET, HEAD"));
      }
      return discardAndSend(req, res, {
        status: 200,
        headers: { "content-type": "application/json", "cache-control": "no-store" },
        body: '{"ok":true}',
      });
    }
    if (path !== WEBHOOK_PATH) return discardAndSend(req, res, adapterResponse(404, "rejected", "not found"));
    if (req.method !== "POST") return discardAndSend(req, res, methodNotAllowed("POST"));

    const body = await readBody(req, maxBodyBytes);
    if (body.kind === "too-large") {
      // The rest of the upload is not read: tell the client the connection ends with this answer.
      send(res, adapterResponse(413, "rejected", body.reason, { connection: "close" }));
      res.once("finish", () => req.destroy());
      return;
    }
    if (body.kind === "aborted") return;
    const answer = await options.handler({ headers: req.headers, rawBody: body.bytes });
    if (closing) answer.headers = { ...answer.headers, connection: "close" };
    send(res, answer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${displayHost(address.address)}:${address.port}`;

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS).unref(),
      );
      const finished = (async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      })();
      if ((await Promise.race([finished, grace])) === "timeout") server.closeAllConnections();
      server.closeIdleConnections();
      await stopped;
    })());

  return { url, webhookUrl: `${url}${WEBHOOK_PATH}`, port: address.port, close };
}

type BodyResult = { kind: "ok"; bytes: Buffer } | { kind: "too-large"; reason: string } | { kind: "aborted" };

/** Reads the body into one Buffer, refusing (without reading further) once it is over the cap. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  // The core's own wording, so an oversized delivery is answered alike by every adapter.
  const tooLarge = (size?: number): BodyResult => ({
    kind: "too-large",
    reason: `body ${size === undefined ? "is" : `of ${size} bytes is`} over the limit of ${maxBytes}`,
  });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.pause();
    return Promise.resolve(tooLarge(declared));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyResult) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        done(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done({ kind: "ok", bytes: Buffer.concat(chunks, size) });
    const onError = () => done({ kind: "aborted" });
    const onClose = () => {
      if (!req.complete) done({ kind: "aborted" });
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

function methodNotAllowed(allow: string): WebhookResponse {
  return adapterResponse(405, "rejected", `method not allowed; use ${allow}`, { allow });
}

function send(res: ServerResponse, answer: WebhookResponse): void {
  res.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
  res.end(res.req.method === "HEAD" ? undefined : answer.body);
}

// Answers without reading a body nobody needs; a small one is drained so the connection can be reused.
function discardAndSend(req: IncomingMessage, res: ServerResponse, answer: WebhookResponse): void {
  req.resume();
  send(res, answer);
}

function displayHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}
