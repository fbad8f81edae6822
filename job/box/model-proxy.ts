// The model-API proxy: runs in the job, outside the agent's reach, and holds the model key so the agent CLI
// never does. The CLI gets `http://127.0.0.1:<port>/<per-run secret>` as its base URL and a dummy key; each
// request under that path goes to the one configured endpoint (the same path below it), with the CLI's own
// auth headers dropped and the real key set, and the answer streams back as it comes (SSE).
//
//   const proxy = await startModelProxy({ upstream: "https://api.anthropic.com", auth: { "x-api-key": key } });
//   env.ANTHROPIC_BASE_URL = proxy.baseUrl; env.ANTHROPIC_API_KEY = DUMMY_MODEL_KEY;
//   ...; await proxy.close();
//
// It must never forward to any other host, answer a request without the secret path, put the key in an
// answer or a log line, or buffer a whole answer.
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

export interface ModelProxyOptions {
  /** The real endpoint's base URL, e.g. https://api.anthropic.com or https://api.openai.com/v1. */
  upstream: string;
  /** Headers that carry the credential upstream, e.g. { "x-api-key": key } or { authorization: "Bearer …" }. */
  auth: Record<string, string>;
  /** Where to listen (default 127.0.0.1, a free port). */
  host?: string;
}

export interface ModelProxy {
  /** The base URL for the CLI: the proxy's address and the per-run secret, no trailing slash. */
  baseUrl: string;
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
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== "https:" && upstream.protocol !== "http:") {
    throw new Error(`the model endpoint ${upstream.origin} is not an http(s) URL`);
  }
  const basePath = upstream.pathname.replace(/\/+$/, "");
  const secret = randomBytes(24).toString("base64url");
  const prefix = `/${secret}`;
  const auth = Object.fromEntries(Object.entries(options.auth).map(([k, v]) => [k.toLowerCase(), v]));
  const send = upstream.protocol === "https:" ? httpsRequest : httpRequest;

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
    const outgoing = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port || undefined,
        method: req.method,
        path: `${basePath}${path}${search}`,
        headers: { ...passedHeaders(req.headers), ...auth, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.headers));
        // Each chunk goes on as it comes: the CLI reads server-sent events while the model writes them.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    outgoing.on("error", (error) => {
      if (!res.headersSent) {
        res
          .writeHead(502, { "content-type": "text/plain" })
          .end(`model endpoint unreachable: ${error.message}\n`);
      } else res.destroy();
    });
    req.on("aborted", () => outgoing.destroy());
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function passedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name)) continue;
    out[name] = value;
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
