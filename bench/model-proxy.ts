// bench/model-proxy: the latency the model-API proxy adds to one model request. A stand-in endpoint on
// loopback answers a small SSE stream (as a model's first tokens); the same request is timed N times straight
// to it and N times through the proxy, on kept-alive connections, and the medians are compared. Also the
// proxy's start-up time. Run: node bin/run-ts.js bench/model-proxy.ts
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { startModelProxy } from "../job/box/model-proxy.ts";

const ROUNDS = 400;
const BODY = JSON.stringify({
  model: "m",
  stream: true,
  messages: [{ role: "user", content: "x".repeat(4_000) }],
});

const upstream = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("event: message_start\ndata: {}\n\n");
    res.end("event: message_stop\ndata: {}\n\n");
  });
});
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const started = process.hrtime.bigint();
const proxy = await startModelProxy({ upstream: upstreamUrl, auth: { "x-api-key": "sk-bench" } });
const startupMs = Number(process.hrtime.bigint() - started) / 1e6;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function once(base: string): Promise<number> {
  const url = new URL(`${base}/v1/messages`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json", "x-api-key": "dummy" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

async function median(base: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) await once(base);
  for (let i = 0; i < ROUNDS; i++) times.push(await once(base));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const direct = await median(upstreamUrl);
const proxied = await median(proxy.baseUrl);
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    directMedianMs: Number(direct.toFixed(3)),
    proxiedMedianMs: Number(proxied.toFixed(3)),
    addedMedianMs: Number((proxied - direct).toFixed(3)),
    proxyStartupMs: Number(startupMs.toFixed(2)),
  }),
);
agent.destroy();
await proxy.close();
upstream.close();
