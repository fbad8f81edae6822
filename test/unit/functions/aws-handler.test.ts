// The Lambda adapter with Function URL events shaped as Lambda sends them (payload format 2.0). Secrets
// Manager is a plain function here: the adapter takes the fetch as a parameter, so no SDK mock is needed.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { FunctionUrlEvent } from "../../../functions/aws/function-url.ts";
import { createLambdaHandler, type LambdaHandlerDeps } from "../../../functions/aws/lambda-handler.ts";
import { createLambdaWorker, retryDelaySeconds } from "../../../functions/aws/lambda-worker.ts";
import {
  decodeMentionTask,
  encodeMentionTask,
  type MentionTask,
} from "../../../shared/webhook/mention-task.ts";
import { signWebhook } from "../../support/sign-webhook.ts";
import {
  functionUrlEvent,
  gitlabHeaders,
  GITLAB_TOKEN,
  logSink,
  plainNoteBody,
  receiverEnv,
  SIGNING_KEY,
  SIGNING_SECRET,
  startTripwire,
  WEBHOOK_SECRET,
  type Tripwire,
} from "./receiver-fixtures.ts";

const WEBHOOK_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-bridge/webhook-AbCdEf";
const TOKEN_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-bridge/gitlab-token-AbCdEf";

let tripwire: Tripwire;
beforeAll(async () => {
  tripwire = await startTripwire();
});
afterAll(async () => {
  await tripwire.close();
});
afterEach(() => {
  expect(tripwire.hits()).toBe(0);
});

function setup(
  options: { env?: Record<string, string>; secrets?: Record<string, string>; now?: () => number } = {},
) {
  const { WEBHOOK_SECRET: _s, GITLAB_TOKEN: _t, ...env } = receiverEnv(tripwire.url);
  const secrets: Record<string, string> = options.secrets ?? {
    [WEBHOOK_ARN]: WEBHOOK_SECRET,
    [TOKEN_ARN]: GITLAB_TOKEN,
  };
  const fetched: string[] = [];
  const sent: string[] = [];
  let failure: Error | undefined;
  let queueDown = false;
  const sink = logSink();
  const deps: LambdaHandlerDeps = {
    env: { ...env, WEBHOOK_SECRET_ARN: WEBHOOK_ARN, GITLAB_TOKEN_ARN: TOKEN_ARN, ...options.env },
    fetchSecretString: async (arn) => {
      fetched.push(arn);
      if (failure) throw failure;
      const value = secrets[arn];
      if (value === undefined)
        throw Object.assign(new Error(`Secrets Manager can't find ${arn}`), {
          name: "ResourceNotFoundException",
        });
      return value;
    },
    log: sink.log,
    sendTask: async (body) => {
      if (queueDown) throw new Error("SQS unreachable");
      sent.push(body);
    },
    ...(options.now ? { now: options.now } : {}),
  };
  return {
    handler: createLambdaHandler(deps),
    deps,
    secrets,
    fetched,
    sent,
    sink,
    failWith: (error?: Error) => (failure = error),
    queueFails: () => (queueDown = true),
  };
}

const bodyOf = (result: { body: string }) => JSON.parse(result.body) as { result: string; reason?: string };

describe("functions/aws: Function URL events", () => {
  it("answers a plain-text body with the core's answer, in the Function URL result shape", async () => {
    const { handler } = setup();
    const result = await handler(functionUrlEvent({ headers: gitlabHeaders(), body: plainNoteBody() }));
    expect(result).toEqual({
      statusCode: 202,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ result: "ignored", reason: "no mention of an enabled assistant" }),
      isBase64Encoded: false,
    });
  });

  it("decodes a base64 body to its exact bytes before verifying the signature over them", async () => {
    // A byte that is not UTF-8 inside the note: any detour through a string would change the signed bytes.
    const text = plainNoteBody().replace('"Hello world"', '"Caf\u00e9 \u2615 XX"');
    const bytes = Buffer.from(text, "utf8");
    const at = bytes.indexOf("XX");
    bytes[at] = 0xff;
    const now = 1_750_000_000_000;
    const { handler } = setup({ env: { WEBHOOK_SIGNING_SECRET: SIGNING_SECRET }, now: () => now });
    const headers = {
      ...gitlabHeaders(),
      "webhook-id": "msg_2mBx9sWw",
      "webhook-timestamp": String(now / 1000),
      "webhook-signature": signWebhook(SIGNING_KEY, "msg_2mBx9sWw", now / 1000, bytes),
    };
    const event = {
      ...functionUrlEvent({ headers, body: "" }),
      body: bytes.toString("base64"),
      isBase64Encoded: true,
    };
    const result = await handler(event);
    expect({ status: result.statusCode, ...bodyOf(result) }).toEqual({
      status: 202,
      result: "ignored",
      reason: "no mention of an enabled assistant",
    });

    // The same event with one signed byte changed is refused.
    const tampered = Buffer.from(bytes);
    tampered[at + 1] = 0x59;
    const refused = await handler({ ...event, body: tampered.toString("base64") });
    expect(refused.statusCode).toBe(401);
  });

  it("answers GET with 405 and Allow: POST, before reading any secret", async () => {
    const { handler, fetched } = setup();
    const result = await handler(functionUrlEvent({ headers: gitlabHeaders(), body: "" }, { method: "GET" }));
    expect(result.statusCode).toBe(405);
    expect(result.headers).toMatchObject({ allow: "POST", "content-type": "application/json" });
    expect(bodyOf(result)).toEqual({ result: "rejected", reason: "method not allowed; use POST" });
    expect(fetched).toEqual([]);
  });

  it("answers an event without requestContext (a console test invocation) with 405", async () => {
    const { handler } = setup();
    expect((await handler({ body: "{}" })).statusCode).toBe(405);
  });

  it("reads headers whatever their case (Function URLs lower-case them; a hand-made event may not)", async () => {
    const { handler } = setup();
    const lower = functionUrlEvent({ headers: gitlabHeaders(), body: plainNoteBody() });
    expect(Object.keys(lower.headers).every((name) => name === name.toLowerCase())).toBe(true);
    const mixed = {
      ...lower,
      headers: { ...gitlabHeaders(), "Content-Length": lower.headers["content-length"] },
    };
    const [a, b] = await Promise.all([handler(lower), handler(mixed)]);
    expect(a.statusCode).toBe(202);
    expect(b).toEqual(a);
    const wrong = { ...lower, headers: { ...lower.headers, "x-gitlab-token": "nope" } };
    expect((await handler(wrong)).statusCode).toBe(401);
  });

  it("treats a missing body as empty", async () => {
    const { handler } = setup();
    const event: FunctionUrlEvent = functionUrlEvent({ headers: gitlabHeaders(), body: "" });
    delete event.body;
    const result = await handler(event);
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ result: "rejected", reason: "body is not valid JSON" });
  });
});

describe("functions/aws: secrets and settings", () => {
  const delivery = () => functionUrlEvent({ headers: gitlabHeaders(), body: plainNoteBody() });

  it("reads the secrets once per container, then from memory until SECRETS_TTL_SECONDS passes", async () => {
    let now = 1_000_000;
    const { handler, fetched } = setup({ env: { SECRETS_TTL_SECONDS: "60" }, now: () => now });
    await handler(delivery());
    await handler(delivery());
    expect(fetched.sort()).toEqual([TOKEN_ARN, WEBHOOK_ARN].sort());
    now += 60_000;
    await handler(delivery());
    expect(fetched).toHaveLength(4);
  });

  it("picks up a rotated webhook secret after the TTL and rebuilds the handler", async () => {
    let now = 1_000_000;
    const { handler, secrets, sink } = setup({ now: () => now });
    expect((await handler(delivery())).statusCode).toBe(202);

    secrets[WEBHOOK_ARN] = JSON.stringify({ value: ["rotated-secret", WEBHOOK_SECRET] });
    const withNew = functionUrlEvent({
      headers: gitlabHeaders("Note Hook", "rotated-secret"),
      body: plainNoteBody(),
    });
    expect((await handler(withNew)).statusCode).toBe(401); // still the cached values
    now += 300_000;
    expect((await handler(withNew)).statusCode).toBe(202);
    expect((await handler(delivery())).statusCode).toBe(202); // both accepted while rotating

    secrets[WEBHOOK_ARN] = "rotated-secret";
    now += 300_000;
    expect((await handler(delivery())).statusCode).toBe(401);
    expect(
      sink.json().filter((line) => line["msg"] === "secrets changed; webhook handler rebuilt"),
    ).toHaveLength(2);
  });

  it("answers 500 and logs every bad variable when the settings are wrong, never a secret's value", async () => {
    const { handler, sink } = setup({
      env: { GITLAB_URL: "gitlab.example.com", MIN_ACCESS_LEVEL: "boss" },
      secrets: { [WEBHOOK_ARN]: WEBHOOK_SECRET, [TOKEN_ARN]: "glpat has spaces" },
    });
    const result = await handler(delivery());
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ result: "error", reason: "the receiver is misconfigured; see its log" });
    const [line] = sink.json();
    expect(line?.["msg"]).toBe("webhook receiver misconfigured");
    for (const variable of ["GITLAB_URL", "GITLAB_TOKEN", "MIN_ACCESS_LEVEL"])
      expect(line?.["error"]).toContain(variable);
    expect(sink.lines.join("\n")).not.toContain("glpat has spaces");
    expect(sink.lines.join("\n")).not.toContain(WEBHOOK_SECRET);
  });

  it("answers 500 for a bad ARN variable", async () => {
    const { handler, sink } = setup({ env: { GITLAB_TOKEN_ARN: "gitlab-token" } });
    expect((await handler(delivery())).statusCode).toBe(500);
    expect(sink.json()[0]?.["error"]).toContain("GITLAB_TOKEN_ARN: the ARN of a Secrets Manager secret");
  });

  it("answers 503 when Secrets Manager fails on a cold start, and recovers on the next delivery", async () => {
    const { handler, sink, failWith } = setup();
    failWith(
      Object.assign(new Error("User is not authorized to perform: secretsmanager:GetSecretValue"), {
        name: "AccessDeniedException",
      }),
    );
    const result = await handler(delivery());
    expect(result.statusCode).toBe(503);
    expect(sink.json()[0]).toEqual({
      severity: "ERROR",
      level: "ERROR",
      msg: "secrets could not be read",
      error: "AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue",
    });
    failWith(undefined);
    expect((await handler(delivery())).statusCode).toBe(202);
  });

  it("warm() loads secrets and settings ahead of the first event", async () => {
    const { handler, fetched } = setup();
    handler.warm();
    await vi.waitFor(() => expect(fetched).toHaveLength(2));
    await handler(delivery());
    expect(fetched).toHaveLength(2);
  });
});

describe("functions/aws: the SQS hand-off and the worker", () => {
  const mentionBody = () => {
    const payload = JSON.parse(plainNoteBody()) as { object_attributes: { note: string } };
    payload.object_attributes.note = "@claude fix it";
    return JSON.stringify(payload);
  };

  it("puts a mention on the queue and answers 202 without a GitLab call; 503 when SQS fails", async () => {
    const { handler, sent, queueFails } = setup();
    const result = await handler(functionUrlEvent({ headers: gitlabHeaders(), body: mentionBody() }));
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({ result: "accepted" });
    expect(sent).toHaveLength(1);
    expect(decodeMentionTask(sent[0] ?? "")).toMatchObject({ noteId: 1241, projectId: 5, source: "webhook" });
    expect(sent[0]).not.toContain("fix it");
    queueFails();
    const down = await handler(functionUrlEvent({ headers: gitlabHeaders(), body: mentionBody() }));
    expect(down.statusCode).toBe(503);
  });

  it("reports a task GitLab could not serve as a batch item failure, with its back-off; drops a non-task", async () => {
    const { deps, sent, handler } = setup();
    await handler(functionUrlEvent({ headers: gitlabHeaders(), body: mentionBody() }));
    const delays: Array<[string, number]> = [];
    const gitlabCalls: string[] = [];
    const worker = createLambdaWorker({
      ...deps,
      // GitLab answering 503 to everything: the task must come back, not be lost.
      fetch: async (input) => {
        gitlabCalls.push(String(input));
        return new Response('{"message":"503 Service Unavailable"}', { status: 503 });
      },
      delayRetry: async (receipt, seconds) => {
        delays.push([receipt, seconds]);
      },
    });
    const task: MentionTask = decodeMentionTask(sent[0] ?? "");
    const answer = await worker({
      Records: [
        {
          messageId: "m-1",
          receiptHandle: "r-1",
          body: encodeMentionTask(task),
          attributes: { ApproximateReceiveCount: "3" },
        },
        { messageId: "m-2", receiptHandle: "r-2", body: "not a task" },
      ],
    });
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    expect(delays).toEqual([["r-1", 40]]);
    expect(gitlabCalls.length).toBeGreaterThan(0);
    expect(retryDelaySeconds(1)).toBe(10);
    expect(retryDelaySeconds(20)).toBe(900);
  });
});

describe("functions/aws/handler.ts and worker.ts: the Lambda entry points", () => {
  it("exports `handler`, which runs with settings from process.env alone (no ARN, no SDK call)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, receiverEnv(tripwire.url));
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const { handler } = await import("../../../functions/aws/handler.ts");
      // The CDK stack's three handlers: handler.handler, worker.worker, worker.sweep.
      const entries = await import("../../../functions/aws/worker.ts");
      expect([typeof entries.worker, typeof entries.sweep]).toEqual(["function", "function"]);
      const result = await handler(
        functionUrlEvent({ headers: gitlabHeaders(), body: plainNoteBody() }, { base64: true }),
      );
      expect(result.statusCode).toBe(202);
      expect(written).toHaveLength(1);
      expect(JSON.parse(written[0] ?? "")).toMatchObject({
        msg: "webhook delivery",
        status: 202,
        callCount: 0,
      });
    } finally {
      spy.mockRestore();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
