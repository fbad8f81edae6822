// The Cloud Functions adapter through functions-framework's own test server: real HTTP into the framework's
// express stack (its body parsers included), then the registered function.
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { signWebhook } from "../../support/sign-webhook.ts";
import {
  gitlabHeaders,
  plainNoteBody,
  receiverEnv,
  SIGNING_KEY,
  SIGNING_SECRET,
  startTripwire,
  type Tripwire,
} from "./receiver-fixtures.ts";

let tripwire: Tripwire;
let server: Server;
let url: string;
let savedEnv: NodeJS.ProcessEnv;
let stdout: MockInstance<typeof process.stdout.write>;
const written: string[] = [];

beforeAll(async () => {
  tripwire = await startTripwire();
  savedEnv = { ...process.env };
  // As Cloud Functions provides them: plain variables, and secrets mounted as variables.
  Object.assign(process.env, receiverEnv(tripwire.url, { WEBHOOK_SIGNING_SECRET: SIGNING_SECRET }));
  stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const { FUNCTION_NAME } = await import("../../../functions/gcp/index.ts");
  server = getTestServer(FUNCTION_NAME);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  stdout?.mockRestore();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await tripwire?.close();
});

function signedHeaders(
  body: Buffer | string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    ...gitlabHeaders(),
    "webhook-id": "msg_2mBx9sWw",
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(SIGNING_KEY, "msg_2mBx9sWw", timestamp, body),
  };
}

describe("functions/gcp: the agentBridgeWebhook HTTP function", () => {
  it("is registered under agentBridgeWebhook and answers a Note Hook with the core's answer", async () => {
    const body = plainNoteBody();
    const res = await fetch(url, { method: "POST", headers: signedHeaders(body), body });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ result: "ignored", reason: "no mention of an enabled assistant" });
    expect(JSON.parse(written.at(-1) ?? "")).toMatchObject({
      msg: "webhook delivery",
      status: 202,
      callCount: 0,
    });
  });

  it("verifies the raw body, not the framework's re-serializable parse of it", async () => {
    // Escapes and spacing that JSON.stringify(req.body) would not give back byte for byte.
    const body = plainNoteBody().replace('"Hello world"', '"Caf\\u00e9  \\u2615"').replace(/\n/g, "\r\n");
    const res = await fetch(url, { method: "POST", headers: signedHeaders(body), body });
    expect(res.status).toBe(202);

    const reordered = JSON.stringify(JSON.parse(body));
    const refused = await fetch(url, { method: "POST", headers: signedHeaders(body), body: reordered });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      result: "rejected",
      reason: "invalid webhook token or signature",
    });
  });

  it("answers GET with 405 and Allow: POST", async () => {
    const res = await fetch(url, { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.json()).toEqual({ result: "rejected", reason: "method not allowed; use POST" });
  });

  it("answers an empty POST as the core does (no body → not valid JSON)", async () => {
    const res = await fetch(url, { method: "POST", headers: signedHeaders("") });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ result: "rejected", reason: "body is not valid JSON" });
  });

  it("made no GitLab call", () => {
    expect(tripwire.hits()).toBe(0);
  });
});
