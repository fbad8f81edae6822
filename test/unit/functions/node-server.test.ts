// The node:http receiver over real HTTP, with a handler written in the test: routing, the body cap and the
// graceful shutdown are the server's own; the core's answers are the adapters test's concern.
import { Agent, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startWebhookServer, type WebhookServer } from "../../../functions/node/server.ts";
import type { WebhookRequest, WebhookResponse } from "../../../shared/webhook/handler.ts";

interface Received {
  headers: WebhookRequest["headers"];
  body: Buffer;
}

function recordingHandler(
  answer: (req: Received) => Promise<WebhookResponse> | WebhookResponse = () => accepted(),
) {
  const received: Received[] = [];
  return {
    received,
    handler: async (req: WebhookRequest) => {
      const entry = { headers: req.headers, body: Buffer.from(req.rawBody) };
      received.push(entry);
      return answer(entry);
    },
  };
}

function accepted(): WebhookResponse {
  return { status: 202, headers: { "content-type": "application/json" }, body: '{"result":"ignored"}' };
}

const servers: WebhookServer[] = [];
async function start(
  options: Partial<Parameters<typeof startWebhookServer>[0]> &
    Pick<Parameters<typeof startWebhookServer>[0], "handler">,
) {
  const server = await startWebhookServer({ port: 0, host: "127.0.0.1", ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request through node:http, which (unlike fetch) lets a test send a body in pieces or stop halfway. */
function send(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string;
    chunks?: Buffer[];
    agent?: Agent;
  } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "POST",
        headers: options.headers ?? {},
        ...(options.agent ? { agent: options.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end(options.body);
  });
}

describe("functions/node/server: routes", () => {
  it('GET /healthz answers 200 {"ok":true}; HEAD too, without a body', async () => {
    const { handler, received } = recordingHandler();
    const server = await start({ handler });
    expect(await send(`${server.url}/healthz`, { method: "GET" })).toMatchObject({
      status: 200,
      body: '{"ok":true}',
    });
    expect(await send(`${server.url}/healthz`, { method: "HEAD" })).toMatchObject({ status: 200, body: "" });
    expect(await send(`${server.url}/healthz`, { method: "POST", body: "x" })).toMatchObject({ status: 405 });
    expect(received).toEqual([]);
  });

  it("POST /webhook hands the exact bytes and the headers to the handler and sends its answer", async () => {
    const { handler, received } = recordingHandler(() => ({
      status: 401,
      headers: { "content-type": "application/json", "x-extra": "1" },
      body: '{"result":"rejected"}',
    }));
    const server = await start({ handler });
    expect(server.webhookUrl).toBe(`${server.url}/webhook`);
    const bytes = Buffer.from([0x7b, 0xff, 0x00, 0xe2, 0x98, 0x95, 0x7d]);
    const answer = await send(`${server.webhookUrl}?from=gitlab`, {
      headers: { "X-Gitlab-Token": "t" },
      body: bytes,
    });
    expect(answer).toMatchObject({ status: 401, body: '{"result":"rejected"}' });
    expect(answer.headers).toMatchObject({ "content-type": "application/json", "x-extra": "1" });
    expect(received).toHaveLength(1);
    expect(received[0]?.body.equals(bytes)).toBe(true);
    expect(received[0]?.headers["x-gitlab-token"]).toBe("t");
  });

  it("answers 405 with Allow: POST for another method on /webhook, and 404 elsewhere", async () => {
    const { handler, received } = recordingHandler();
    const server = await start({ handler });
    const get = await send(server.webhookUrl, { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers["allow"]).toBe("POST");
    for (const path of ["/", "/webhook/", "/hooks", "/healthz/x"]) {
      const answer = await send(`${server.url}${path}`, { body: "{}" });
      expect({ path, status: answer.status, body: JSON.parse(answer.body) }).toEqual({
        path,
        status: 404,
        body: { result: "rejected", reason: "not found" },
      });
    }
    expect(received).toEqual([]);
  });

  it("answers 500 when the handler throws (it should not), without details", async () => {
    const server = await start({
      handler: async () => {
        throw new Error("secret detail");
      },
    });
    const original = console.error;
    console.error = () => undefined;
    try {
      const answer = await send(server.webhookUrl, { body: "{}" });
      expect(answer).toMatchObject({ status: 500, body: '{"result":"error","reason":"internal error"}' });
    } finally {
      console.error = original;
    }
  });
});

describe("functions/node/server: the body cap", () => {
  it("passes a body of exactly the cap", async () => {
    const { handler, received } = recordingHandler();
    const server = await start({ handler, maxBodyBytes: 2048 });
    expect((await send(server.webhookUrl, { body: Buffer.alloc(2048, 0x61) })).status).toBe(202);
    expect(received[0]?.body.length).toBe(2048);
  });

  it("answers 413 from Content-Length alone, without reading the body or calling the handler", async () => {
    const { handler, received } = recordingHandler();
    const server = await start({ handler, maxBodyBytes: 2048 });
    const answer = await send(server.webhookUrl, { body: Buffer.alloc(2049, 0x61) });
    expect(answer.status).toBe(413);
    expect(answer.headers["connection"]).toBe("close");
    expect(JSON.parse(answer.body)).toEqual({
      result: "rejected",
      reason: "body of 2049 bytes is over the limit of 2048",
    });
    expect(received).toEqual([]);
  });

  it("answers 413 to a chunked body as soon as it passes the cap", async () => {
    const { handler, received } = recordingHandler();
    const server = await start({ handler, maxBodyBytes: 2048 });
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(1024, 0x61));
    const answer = await send(server.webhookUrl, { headers: { "transfer-encoding": "chunked" }, chunks });
    expect(answer.status).toBe(413);
    expect(received).toEqual([]);
  });

  it("answers 413 to a large upload (a few MiB) without the client seeing a reset", async () => {
    const { handler } = recordingHandler();
    const server = await start({ handler, maxBodyBytes: 1024 });
    const answer = await send(server.webhookUrl, { body: Buffer.alloc(4 * 1024 * 1024, 0x61) });
    expect(answer.status).toBe(413);
  });
});

describe("functions/node/server: graceful close", () => {
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }

  it("stops accepting, lets the delivery under way finish, then closes", async () => {
    const release = gate();
    const started = gate();
    const { handler } = recordingHandler(async () => {
      started.open();
      await release.opened;
      return accepted();
    });
    const server = await start({ handler });
    const inFlight = send(server.webhookUrl, { body: "{}" });
    await started.opened;

    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    await expect(send(`${server.url}/healthz`, { method: "GET" })).rejects.toThrow(/ECONNREFUSED/);

    release.open();
    const answer = await inFlight;
    expect(answer.status).toBe(202);
    expect(answer.headers["connection"]).toBe("close");
    await closing;
    expect(closed).toBe(true);
  });

  it("does not wait for idle keep-alive connections", async () => {
    const { handler } = recordingHandler();
    const server = await start({ handler });
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      expect((await send(`${server.url}/healthz`, { method: "GET", agent })).status).toBe(200);
      expect((await send(server.webhookUrl, { body: "{}", agent })).status).toBe(202);
      const idle = Object.values(agent.freeSockets).flat();
      expect(idle).toHaveLength(1);
      const socketClosed = new Promise<void>((resolve) => idle[0]?.once("close", () => resolve()));
      await server.close();
      await socketClosed;
    } finally {
      agent.destroy();
    }
  });

  it("cuts off a delivery that outlives the grace period", async () => {
    const { handler } = recordingHandler(() => new Promise<WebhookResponse>(() => undefined));
    const server = await start({ handler, shutdownGraceMs: 100 });
    const inFlight = send(server.webhookUrl, { body: "{}" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it("close() can be called twice", async () => {
    const { handler } = recordingHandler();
    const server = await start({ handler });
    await Promise.all([server.close(), server.close()]);
  });
});
