// What the adapter tests share: an environment for the receiver, deliveries shaped like GitLab's, a
// "tripwire" GitLab that fails a test by being called, and the three adapters' transports (a Function URL
// event, the functions-framework test server, the node:http server).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fixtureText } from "../webhook/fixture-payloads.ts";

export const WEBHOOK_SECRET = "test-webhook-secret";
export const GITLAB_TOKEN = "glpat-test-bridge-token";
/** whsec_ + base64 of 24 bytes. */
export const SIGNING_SECRET = `whsec_${Buffer.from("a signing key of 24 byte").toString("base64")}`;
/** The receivers' body cap in these tests (the settings' smallest is 1024). */
export const MAX_BODY_BYTES = 8192;
export const SIGNING_KEY = new Uint8Array(Buffer.from("a signing key of 24 byte"));

/** A GitLab that must never be called: every request is counted and answered 599. */
export interface Tripwire {
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}

export async function startTripwire(): Promise<Tripwire> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(599).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function receiverEnv(gitlabUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITLAB_URL: gitlabUrl,
    GITLAB_TOKEN,
    WEBHOOK_SECRET,
    // A short budget, so a handler that does call the tripwire fails fast rather than at the test timeout.
    DEADLINE_MS: "1000",
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    ...extra,
  };
}

export interface Delivery {
  name: string;
  headers: Record<string, string>;
  body: string;
}

/** GitLab's delivery headers, in the case GitLab writes them. */
export function gitlabHeaders(
  event = "Note Hook",
  token: string | null = WEBHOOK_SECRET,
): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "User-Agent": "GitLab/18.6.0",
    "X-Gitlab-Event": event,
    "X-Gitlab-Event-UUID": "6b0e1e3c-0c5b-4a8e-9a59-3f1b7f1e0a11",
    "X-Gitlab-Webhook-UUID": "1d3c2b7e-7f0a-4a47-a6c1-3a4f6c2d9e22",
    "X-Gitlab-Instance": "https://gitlab.example.com",
    "Idempotency-Key": "0f4a3c9e-2d5b-4e61-8c7a-5b9d1e2f3a44",
    ...(token === null ? {} : { "X-Gitlab-Token": token }),
  };
}

/** The note fixture as GitLab sends it: no mention, so the handler answers without a GitLab call. */
export function plainNoteBody(): string {
  return fixtureText("note-on-issue");
}

/** The deliveries every adapter must answer identically; none of them may cause a GitLab call. */
export function commonDeliveries(): Delivery[] {
  return [
    { name: "a valid Note Hook without a mention", headers: gitlabHeaders(), body: plainNoteBody() },
    { name: "a wrong token", headers: gitlabHeaders("Note Hook", "not-the-secret"), body: plainNoteBody() },
    { name: "no token", headers: gitlabHeaders("Note Hook", null), body: plainNoteBody() },
    {
      name: "malformed JSON (sent as text/plain)",
      headers: { ...gitlabHeaders(), "Content-Type": "text/plain" },
      body: '{"object_kind": "note", ',
    },
    {
      name: "a body over MAX_BODY_BYTES",
      headers: gitlabHeaders(),
      body: JSON.stringify({ object_kind: "note", padding: "x".repeat(MAX_BODY_BYTES) }),
    },
    {
      name: "a Push Hook",
      headers: gitlabHeaders("Push Hook"),
      body: '{"object_kind":"push","ref":"refs/heads/main"}',
    },
    {
      name: "a Note Hook that is not a note",
      headers: gitlabHeaders(),
      body: JSON.stringify({ object_kind: "note", object_attributes: { noteable_type: "Issue" } }),
    },
  ];
}

/** Lower-cases header names, as a Function URL event carries them. */
export function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A Function URL event (payload format 2.0) as Lambda builds it for a request. */
export function functionUrlEvent(
  delivery: { headers: Record<string, string>; body: string },
  options: { method?: string; base64?: boolean } = {},
) {
  const method = options.method ?? "POST";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    headers: {
      ...lowerCased(delivery.headers),
      "content-length": String(Buffer.byteLength(delivery.body)),
      host: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws",
      "x-amzn-trace-id": "Root=1-6650f3a1-0123456789abcdef01234567",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "anonymous",
      apiId: "abcdefghijklmnopqrstuvwxyz012345",
      domainName: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws",
      domainPrefix: "abcdefghijklmnopqrstuvwxyz012345",
      http: { method, path: "/", protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "GitLab/18.6.0" },
      requestId: "c0ffee00-1234-4abc-9def-0123456789ab",
      routeKey: "$default",
      stage: "$default",
      time: "24/May/2025:10:00:00 +0000",
      timeEpoch: 1748080800000,
    },
    ...(method === "GET"
      ? { isBase64Encoded: false }
      : options.base64
        ? { body: Buffer.from(delivery.body, "utf8").toString("base64"), isBase64Encoded: true }
        : { body: delivery.body, isBase64Encoded: false }),
  };
}

/** Collects the log lines a handler writes. */
export function logSink(): {
  log: (line: string) => void;
  lines: string[];
  json: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  return {
    log: (line) => lines.push(line),
    lines,
    json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
