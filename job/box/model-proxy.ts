// The model-API proxy: runs in the job, outside the agent's reach, and holds the model credential so the
// agent CLI never does. The CLI gets `http://127.0.0.1:<port>/<per-run secret>` as its base URL and a dummy
// key; each request under that path goes to the configured endpoint (the same path below it), with the
// CLI's own auth headers dropped and the real credential set, and the answer streams back as it comes (SSE,
// or Bedrock's event stream).
//
//   const proxy = await startModelProxy({ upstream: "https://api.anthropic.com", auth: { "x-api-key": key } });
//   env.ANTHROPIC_BASE_URL = proxy.baseUrl; env.ANTHROPIC_API_KEY = DUMMY_MODEL_KEY;
//   ...; await proxy.close();
//
// The credential is fixed headers (an API key, a subscription's OAuth token), headers fetched per request
// (a Vertex access token, refreshed before it expires), or a signature over the whole request (SigV4 for
// Bedrock: the request body is read before it is sent on; the answer still streams). It must never forward
// to any other host, answer a request without the secret path, put the credential in an answer or a log
// line, or buffer a whole answer.
import { randomBytes } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

/** What the CLI holds instead of the key: worthless anywhere but through the proxy, which replaces it. */
export const DUMMY_MODEL_KEY = "agent-bridge-model-proxy";

/** The request as it goes upstream, for a signer: URL, method, the headers so far, the whole body. */
export interface OutgoingModelRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

export type ModelProxyAuth =
  /** Fixed headers, e.g. { "x-api-key": key } or { authorization: "Bearer …" }. */
  | Record<string, string>
  /** Headers got per request (a token that is refreshed); the body streams through unread. */
  | { headers: () => Promise<Record<string, string>> }
  /** Headers computed over the whole request (a signature); the body is read first. */
  | { sign: (request: OutgoingModelRequest) => Promise<Record<string, string>> };

export interface ModelProxyOptions {
  /**
   * The real endpoint's base URL, e.g. https://api.anthropic.com or https://api.openai.com/v1; or, for an
   * API served from more than one host (Bedrock's runtime and control plane), the base URL for a path.
   */
  upstream: string | ((path: string) => string);
  /** What carries the credential upstream. */
  auth: ModelProxyAuth;
  /** Request headers of the CLI's that are not passed on, besides its credentials and per-hop headers. */
  dropHeaders?: (name: string) => boolean;
  /** Where to listen (default 127.0.0.1, a free port). */
  host?: string;
}

export interface ModelProxy {
  /** The base URL for the CLI: the proxy's address and the per-run secret, no trailing slash. */
  baseUrl: string;
  /** The loopback port it listens on (what the box lets the agent reach). */
  port: number;
  close(): Promise<void>;
}

/** Headers of the CLI's request that are not passed on: its (dummy) credentials, and per-hop headers. */
const DROPPED = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "authorization",
  "x-api-key",
  "api-key",
  "cookie",
]);

export async function startModelProxy(options: ModelProxyOptions): Promise<ModelProxy> {
  const upstreamFor =
    typeof options.upstream === "string" ? () => options.upstream as string : options.upstream;
  const upstreams = new Map<string, URL>();
  const upstreamOf = (path: string): URL => {
    const base = upstreamFor(path);
    let url = upstreams.get(base);
    if (url === undefined) {
      url = new URL(base);
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new Error(`the model endpoint ${url.origin} is not an http(s) URL`);
      }
      upstreams.set(base, url);
    }
    return url;
  };
  // A bad endpoint fails the start, not the first request.
  if (typeof options.upstream === "string") upstreamOf("/");
  const secret = randomBytes(24).toString("base64url");
  const prefix = `/${secret}`;
  const { auth } = options;
  const { fixed, perRequest, sign } = authParts(auth);
  const drop = options.dropHeaders ?? (() => false);

  const forward = async (req: IncomingMessage, res: ServerResponse, path: string, search: string) => {
    const upstream = upstreamOf(path);
    const basePath = upstream.pathname.replace(/\/+$/, "");
    const url = new URL(`${upstream.origin}${basePath}${path}${search}`);
    const headers: Record<string, string> = { ...passedHeaders(req.headers, drop), host: upstream.host };
    let body: Buffer | undefined;
    if (fixed !== undefined) Object.assign(headers, fixed);
    else if (perRequest !== undefined) Object.assign(headers, lowerKeys(await perRequest()));
    else if (sign !== undefined) {
      body = await readAll(req);
      delete headers["transfer-encoding"];
      headers["content-length"] = String(body.length);
      const signed = await sign({ method: req.method ?? "GET", url, headers: { ...headers }, body });
      Object.assign(headers, lowerKeys(signed));
    }
    const send = upstream.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.headers));
        // Each chunk goes on as it comes: the CLI reads server-sent events while the model writes them.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    outgoing.on("error", (error) => unreachable(res, error));
    req.on("aborted", () => outgoing.destroy());
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    if (body !== undefined) outgoing.end(body);
    else req.pipe(outgoing);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "";
    if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      req.resume();
      return;
    }
    const rest = url.slice(prefix.length);
    const query = rest.indexOf("?");
    const path = query === -1 ? rest : rest.slice(0, query);
    const search = query === -1 ? "" : rest.slice(query);
    if (path.split("/").some((segment) => segment === ".." || segment === ".")) {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad path\n");
      req.resume();
      return;
    }
    forward(req, res, path, search).catch((error: unknown) => {
      req.resume();
      unreachable(res, error);
    });
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${port}${prefix}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The endpoint could not be reached, or the credential not got (a refused token exchange): 502 with the
 * reason, which never holds the credential (the errors of job/cloud say what failed, not with what).
 */
function unreachable(res: ServerResponse, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (!res.headersSent) {
    res.writeHead(502, { "content-type": "text/plain" }).end(`model endpoint unreachable: ${message}\n`);
  } else res.destroy();
}

function authParts(auth: ModelProxyAuth): {
  fixed?: Record<string, string>;
  perRequest?: () => Promise<Record<string, string>>;
  sign?: (request: OutgoingModelRequest) => Promise<Record<string, string>>;
} {
  const { headers, sign } = auth as { headers?: unknown; sign?: unknown };
  if (typeof headers === "function") return { perRequest: headers as () => Promise<Record<string, string>> };
  if (typeof sign === "function") {
    return { sign: sign as (request: OutgoingModelRequest) => Promise<Record<string, string>> };
  }
  return { fixed: lowerKeys(auth as Record<string, string>) };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function passedHeaders(
  headers: IncomingHttpHeaders,
  drop: (name: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name) || drop(name)) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function answerHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === "connection" || name === "keep-alive" || name === "set-cookie")
      continue;
    out[name] = value;
  }
  return out;
}
