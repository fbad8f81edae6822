// The three runtime adapters (Lambda Function URL, functions-framework HTTP function, node:http server) are
// thin: fed the same deliveries, they must give GitLab the same status and body. Every delivery here is
// answered without a GitLab call; the GitLab URL is a tripwire server, so an adapter (or a core) that did
// call out fails the test. The real round trips through the sandbox are the end-to-end suites' job.
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLambdaHandler } from "../../functions/aws/lambda-handler.ts";
import { createCloudFunction } from "../../functions/gcp/cloud-function.ts";
import { startWebhookServer, type WebhookServer } from "../../functions/node/server.ts";
import { createInProcessReceiverFromEnv } from "../../functions/node/in-process.ts";
import {
  commonDeliveries,
  functionUrlEvent,
  gitlabHeaders,
  GITLAB_TOKEN,
  logSink,
  receiverEnv,
  startTripwire,
  WEBHOOK_SECRET,
  type Delivery,
  type Tripwire,
} from "../unit/functions/receiver-fixtures.ts";

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

const ARNS = {
  WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-bridge/webhook-AbCdEf",
  GITLAB_TOKEN_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-bridge/gitlab-token-AbCdEf",
};

let tripwire: Tripwire;
let nodeServer: WebhookServer;
let gcpServer: Server;
let gcpUrl: string;
let lambda: ReturnType<typeof createLambdaHandler>;
const logs = { node: logSink(), gcp: logSink(), lambda: logSink() };

beforeAll(async () => {
  tripwire = await startTripwire();
  const env = receiverEnv(tripwire.url);

  const node = createInProcessReceiverFromEnv(env, { log: logs.node.log });
  nodeServer = await startWebhookServer({
    handler: node.handler,
    port: 0,
    host: "127.0.0.1",
    maxBodyBytes: node.settings.maxBodyBytes,
  });

  http(
    "adaptersTestWebhook",
    createCloudFunction(createInProcessReceiverFromEnv(env, { log: logs.gcp.log }).handler),
  );
  gcpServer = getTestServer("adaptersTestWebhook");
  await new Promise<void>((resolve) => gcpServer.listen(0, "127.0.0.1", resolve));
  gcpUrl = `http://127.0.0.1:${(gcpServer.address() as AddressInfo).port}/`;

  // The Lambda adapter takes its secrets from "Secrets Manager" (a plain function here), the rest from env.
  const { WEBHOOK_SECRET: _secret, GITLAB_TOKEN: _token, ...lambdaEnv } = env;
  const secrets: Record<string, string> = {
    [ARNS.WEBHOOK_SECRET_ARN]: WEBHOOK_SECRET,
    [ARNS.GITLAB_TOKEN_ARN]: JSON.stringify({ value: GITLAB_TOKEN }),
  };
  lambda = createLambdaHandler({
    env: { ...lambdaEnv, ...ARNS },
    fetchSecretString: async (arn) => secrets[arn] ?? Promise.reject(new Error(`no secret ${arn}`)),
    log: logs.lambda.log,
    sendTask: () => Promise.reject(new Error("no delivery here names a mention")),
  });
});

afterAll(async () => {
  await nodeServer?.close();
  await new Promise<void>((resolve) => (gcpServer ? gcpServer.close(() => resolve()) : resolve()));
  await tripwire?.close();
});

async function viaNode(delivery: Delivery): Promise<Answer> {
  const res = await fetch(nodeServer.webhookUrl, {
    method: "POST",
    headers: delivery.headers,
    body: delivery.body,
  });
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? undefined,
    body: await res.text(),
  };
}

async function viaGcp(delivery: Delivery): Promise<Answer> {
  const res = await fetch(gcpUrl, { method: "POST", headers: delivery.headers, body: delivery.body });
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? undefined,
    body: await res.text(),
  };
}

async function viaLambda(delivery: Delivery, base64 = false): Promise<Answer> {
  const result = await lambda(functionUrlEvent(delivery, { base64 }));
  return { status: result.statusCode, contentType: result.headers["content-type"], body: result.body };
}

describe("functions/*: the same delivery gets the same answer from every adapter", () => {
  for (const delivery of commonDeliveries()) {
    it(delivery.name, async () => {
      const [node, gcp, lambdaPlain, lambdaBase64] = await Promise.all([
        viaNode(delivery),
        viaGcp(delivery),
        viaLambda(delivery),
        viaLambda(delivery, true),
      ]);
      expect(node.status).toBeGreaterThanOrEqual(200);
      for (const other of [gcp, lambdaPlain, lambdaBase64]) {
        expect({ status: other.status, body: other.body }).toEqual({ status: node.status, body: node.body });
      }
      for (const answer of [node, gcp, lambdaPlain, lambdaBase64]) {
        expect(answer.contentType).toMatch(/^application\/json\b/);
      }
      expect(tripwire.hits()).toBe(0);
    });
  }

  it("answers them as the core decides (a spot check of the expected statuses)", async () => {
    const statuses = await Promise.all(
      commonDeliveries().map(async (d) => [d.name, (await viaNode(d)).status]),
    );
    expect(Object.fromEntries(statuses)).toEqual({
      "a valid Note Hook without a mention": 202,
      "a wrong token": 401,
      "no token": 401,
      "malformed JSON (sent as text/plain)": 400,
      "a body over MAX_BODY_BYTES": 413,
      "a Push Hook": 202,
      "a Note Hook that is not a note": 400,
    });
  });

  it("logs one delivery line per request in each adapter, with no GitLab call", async () => {
    for (const sink of [logs.node, logs.gcp, logs.lambda]) sink.lines.length = 0;
    const delivery = commonDeliveries()[0] as Delivery;
    await Promise.all([viaNode(delivery), viaGcp(delivery), viaLambda(delivery)]);
    for (const sink of [logs.node, logs.gcp, logs.lambda]) {
      expect(sink.json()).toEqual([
        expect.objectContaining({ msg: "webhook delivery", status: 202, result: "ignored", callCount: 0 }),
      ]);
    }
  });

  // functions-framework parses an application/json body before the function runs and answers an invalid
  // one itself (documented in functions/gcp/cloud-function.ts): same status, the framework's body.
  it("malformed JSON sent as application/json: 400 everywhere; on GCP the framework answers, not the core", async () => {
    const delivery: Delivery = {
      name: "malformed",
      headers: gitlabHeaders(),
      body: '{"object_kind": "note", ',
    };
    logs.gcp.lines.length = 0;
    const [node, gcp, lambdaAnswer] = await Promise.all([
      viaNode(delivery),
      viaGcp(delivery),
      viaLambda(delivery),
    ]);
    expect(node).toEqual({
      status: 400,
      contentType: "application/json",
      body: JSON.stringify({ result: "rejected", reason: "body is not valid JSON" }),
    });
    expect(lambdaAnswer).toEqual(node);
    expect(gcp.status).toBe(400);
    expect(logs.gcp.lines).toEqual([]);
    expect(tripwire.hits()).toBe(0);
  });
});
