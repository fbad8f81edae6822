// The Google Cloud hand-off over real HTTP: the publisher gets a token from a metadata server and publishes
// to a Pub/Sub REST endpoint (a local server speaking the documented protocol), and the push worker, through
// functions-framework's own server, answers a push request as Pub/Sub expects (204 done, 503 to push again).
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublisher, isTopicName } from "../../../functions/gcp/pubsub.ts";
import { createPushWorker } from "../../../functions/gcp/worker-function.ts";
import { encodeMentionTask, type MentionTask } from "../../../shared/webhook/mention-task.ts";
import { RetryLater, type MentionWorker } from "../../../shared/webhook/worker.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let publishStatus = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/token")) {
        res.end(JSON.stringify({ access_token: "ya29.local", expires_in: 3599, token_type: "Bearer" }));
      } else {
        res.statusCode = publishStatus;
        res.end(publishStatus === 200 ? JSON.stringify({ messageIds: ["1"] }) : "{}");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const TASK: MentionTask = {
  v: 1,
  projectId: 5,
  noteableType: "Issue",
  noteableIid: 17,
  noteId: 1241,
  authorId: 1,
  assistants: ["claude"],
  discussionId: null,
  confidential: false,
  eventUuid: null,
  idempotencyKey: null,
  receivedAt: 0,
  source: "webhook",
  scope: { kind: "instance" },
};

describe("functions/gcp/pubsub", () => {
  it("publishes the task base64-encoded with the metadata server's token, fetching the token once", async () => {
    seen.length = 0;
    const publish = createPublisher({
      topic: "projects/my-project/topics/agent-bridge-tasks",
      fetch,
      now: Date.now,
      apiBase: base,
      tokenUrl: `${base}/token`,
    });
    await publish(encodeMentionTask(TASK));
    await publish(encodeMentionTask(TASK));
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /token",
      "POST /v1/projects/my-project/topics/agent-bridge-tasks:publish",
      "POST /v1/projects/my-project/topics/agent-bridge-tasks:publish",
    ]);
    expect(seen[0]?.headers["metadata-flavor"]).toBe("Google");
    expect(seen[1]?.headers["authorization"]).toBe("Bearer ya29.local");
    const body = JSON.parse(seen[1]?.body ?? "") as { messages: Array<{ data: string }> };
    expect(JSON.parse(Buffer.from(body.messages[0]?.data ?? "", "base64").toString())).toEqual(TASK);
  });

  it("rejects when Pub/Sub refuses, and refuses a topic that is not a full name", async () => {
    publishStatus = 403;
    const publish = createPublisher({
      topic: "projects/my-project/topics/agent-bridge-tasks",
      fetch,
      now: Date.now,
      apiBase: base,
      tokenUrl: `${base}/token`,
    });
    await expect(publish("{}")).rejects.toThrow("Pub/Sub answered 403");
    publishStatus = 200;
    expect(isTopicName("agent-bridge-tasks")).toBe(false);
    expect(() => createPublisher({ topic: "", fetch, now: Date.now })).toThrow("TASK_TOPIC");
  });
});

describe("functions/gcp/worker-function", () => {
  let pushes = 0;
  // Through functions-framework's own server (its JSON body parser included), as Cloud Functions runs it.
  async function push(
    worker: MentionWorker,
    data: string,
    sweep?: () => Promise<unknown>,
    body?: unknown,
  ): Promise<number> {
    const name = `pushWorkerTest${++pushes}`;
    http(
      name,
      createPushWorker(worker, () => undefined, sweep),
    );
    const app = getTestServer(name);
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body ?? { message: { data, messageId: "m1" }, deliveryAttempt: 2 }),
      });
      return res.status;
    } finally {
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  }

  it("acknowledges a served task with 204, asks for another push with 503, and drops a non-task", async () => {
    const attempts: number[] = [];
    const served: MentionWorker = async (_task, attempt) => {
      attempts.push(attempt ?? 0);
      return { result: "dispatched" };
    };
    const encoded = Buffer.from(encodeMentionTask(TASK)).toString("base64");
    expect(await push(served, encoded)).toBe(204);
    expect(attempts).toEqual([2]);
    const unavailable: MentionWorker = async () => {
      throw new RetryLater("GitLab failed while claiming the note");
    };
    expect(await push(unavailable, encoded)).toBe(503);
    expect(await push(served, Buffer.from("not json").toString("base64"))).toBe(204);
    expect(attempts).toEqual([2]);
  });

  it('runs the sweep for Cloud Scheduler\'s {"sweep": true}, 500 when it fails', async () => {
    let sweeps = 0;
    const never: MentionWorker = async () => {
      throw new Error("no task in a sweep request");
    };
    const ok = async () => void sweeps++;
    expect(await push(never, "", ok, { sweep: true })).toBe(204);
    expect(sweeps).toBe(1);
    expect(await push(never, "", () => Promise.reject(new Error("GitLab down")), { sweep: true })).toBe(500);
  });
});
