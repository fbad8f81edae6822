// job/box/model-proxy over real HTTP: a stand-in model endpoint records what reaches it. The proxy answers only
// under its secret path, swaps the CLI's dummy key for the real one, goes to that one endpoint only, and
// streams (the first event reaches the client while the endpoint still holds the rest back).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DUMMY_MODEL_KEY, startModelProxy, type ModelProxy } from "../../job/box/model-proxy.ts";

const KEY = "sk-ant-proxyCanary0123456789abcdef";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let upstream: Server | undefined;
let proxy: ModelProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve) ?? resolve(undefined));
  proxy = undefined;
  upstream = undefined;
});

/** An endpoint that records requests; /v1/messages streams one event, then waits for `release`. */
async function startUpstream(): Promise<{ url: string; seen: Seen[]; release: () => void }> {
  const seen: Seen[] = [];
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: message_start\ndata: {}\n\n");
      void held.then(() => res.end("event: message_stop\ndata: {}\n\n"));
    });
  });
  await new Promise<void>((resolve) => upstream?.listen(0, "127.0.0.1", resolve));
  const { port } = upstream.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/base`, seen, release };
}

describe("job/box/model-proxy", () => {
  it("forwards under the secret path only, with the real key instead of the CLI's, and streams", async () => {
    const endpoint = await startUpstream();
    proxy = await startModelProxy({ upstream: endpoint.url, auth: { "x-api-key": KEY } });
    const origin = new URL(proxy.baseUrl).origin;

    for (const path of [
      "/v1/messages",
      "/wrong-secret/v1/messages",
      `${new URL(proxy.baseUrl).pathname}x/v1`,
    ]) {
      const res = await fetch(`${origin}${path}`, { method: "POST", body: "{}" });
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain(KEY);
    }
    const up = await fetch(`${proxy.baseUrl}/../../v1/messages`.replace("/../..", "/%2e%2e/%2e%2e"));
    expect(up.status).not.toBe(200);
    expect(endpoint.seen).toEqual([]);

    const res = await fetch(`${proxy.baseUrl}/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": DUMMY_MODEL_KEY,
        authorization: "Bearer something-the-agent-chose",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({ stream: true }),
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    // The first event came through while the endpoint still holds the end of its answer.
    expect(first).toContain("message_start");
    endpoint.release();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toContain("message_stop");

    expect(endpoint.seen).toHaveLength(1);
    const [call] = endpoint.seen;
    expect(call).toMatchObject({
      method: "POST",
      url: "/base/v1/messages?beta=true",
      body: '{"stream":true}',
    });
    expect(call?.headers["x-api-key"]).toBe(KEY);
    expect(call?.headers["authorization"]).toBeUndefined();
    expect(call?.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("answers 502 without the key when the endpoint is down", async () => {
    const endpoint = await startUpstream();
    await new Promise((resolve) => {
      upstream?.close(resolve);
    });
    upstream = undefined;
    proxy = await startModelProxy({ upstream: endpoint.url, auth: { authorization: `Bearer ${KEY}` } });
    const res = await fetch(`${proxy.baseUrl}/responses`, { method: "POST", body: "{}" });
    expect(res.status).toBe(502);
    expect(await res.text()).not.toContain(KEY);
  });
});
