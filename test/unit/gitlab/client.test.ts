// The client's retry rules against a real HTTP server on 127.0.0.1 that answers a scripted sequence of
// statuses: a test of our HTTP behaviour (what is retried, how long it waits, what it throws), not a GitLab.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createGitLabClient,
  isRetryableStatus,
  parseRetryAfter,
  type GitLabClientOptions,
} from "../../../shared/gitlab/client.ts";
import { GitLabApiError } from "../../../shared/gitlab/gitlab-api-error.ts";

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the client gives up). */
  hang?: boolean;
}

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let baseUrl: string;
let script: Scripted[] = [];
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const next = script.shift() ?? { status: 599, body: { message: "script exhausted" } };
      if (next.hang) return;
      res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
      res.end(next.body === undefined ? "" : JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  script = [];
  received = [];
});

const TOKEN = "glpat-test-secret-token";

/**
 * Virtual time for the client's two uses of sleep: its per-call deadline timer (pending for as long as a call
 * runs) and its waits between retries. A sleep resolves only when virtual time reaches its end, and time
 * jumps ahead only while two or more sleeps are pending, to the earliest: a retry wait beside the deadline
 * timer ends at once (the clock moves by the wait), while a request in flight, with only the deadline timer
 * pending, is never cut off by virtual time.
 */
function fakeTime(start = 1_700_000_000_000) {
  const clock = { now: start };
  const waits: number[] = [];
  const pending = new Set<{ wake: number; resolve: () => void }>();
  const advance = () => {
    if (pending.size < 2) return;
    const earliest = [...pending].sort((a, b) => a.wake - b.wake)[0];
    if (!earliest) return;
    pending.delete(earliest);
    clock.now = Math.max(clock.now, earliest.wake);
    earliest.resolve();
  };
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const sleeper = { wake: clock.now + ms, resolve };
      pending.add(sleeper);
      signal?.addEventListener("abort", () => {
        pending.delete(sleeper);
        reject(signal.reason);
      });
      if (pending.size >= 2) waits.push(ms);
      setImmediate(advance);
    });
  return { clock, waits, sleep, now: () => clock.now };
}

function client(overrides: Partial<GitLabClientOptions> = {}) {
  const time = fakeTime();
  const gitlab = createGitLabClient({
    baseUrl: `${baseUrl}/`,
    token: TOKEN,
    fetch,
    sleep: time.sleep,
    now: time.now,
    deadlineMs: 60_000,
    random: () => 0.5,
    ...overrides,
  });
  return { gitlab, time };
}

async function failure(promise: Promise<unknown>): Promise<GitLabApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitLabApiError);
  return error as GitLabApiError;
}

describe("shared/gitlab/client", () => {
  it("sends the token as PRIVATE-TOKEN and parses the answer with the schema", async () => {
    script = [{ status: 200, body: { id: 7, username: "bridge", extra: true } }];
    const { gitlab } = client();
    const user = await gitlab.request("GET", "/user", {
      schema: z.object({ id: z.number(), username: z.string() }),
    });
    expect(user).toEqual({ id: 7, username: "bridge" });
    expect(received[0]).toMatchObject({ method: "GET", url: "/api/v4/user" });
    expect(received[0]?.headers["private-token"]).toBe(TOKEN);
  });

  it("encodes the query, JSON and form bodies", async () => {
    script = [
      { status: 200, body: [] },
      { status: 201, body: {} },
      { status: 201, body: {} },
    ];
    const { gitlab } = client();
    await gitlab.request("GET", "/projects/g%2Fp/notes", {
      query: { sort: "desc", page: 2, skipped: undefined },
    });
    await gitlab.request("POST", "/x", { json: { body: "hi", internal: true } });
    await gitlab.request("POST", "/y", { form: { token: "t", "variables[A B]": "1&2" } });
    expect(received[0]?.url).toBe("/api/v4/projects/g%2Fp/notes?sort=desc&page=2");
    expect(received[1]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(received[1]?.body ?? "")).toEqual({ body: "hi", internal: true });
    expect(received[2]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(new URLSearchParams(received[2]?.body).get("variables[A B]")).toBe("1&2");
  });

  it("returns undefined for an empty answer (204)", async () => {
    script = [{ status: 204 }];
    const { gitlab } = client();
    await expect(gitlab.request("DELETE", "/thing")).resolves.toBeUndefined();
  });

  it.each(["GET", "PUT", "DELETE"] as const)("retries %s on 500 and 503, then succeeds", async (method) => {
    script = [{ status: 500 }, { status: 503 }, { status: 200, body: { ok: 1 } }];
    const { gitlab, time } = client();
    await expect(gitlab.request(method, "/idempotent")).resolves.toEqual({ ok: 1 });
    expect(received).toHaveLength(3);
    // Full jitter with random() = 0.5: half of 200, then half of 400.
    expect(time.waits).toEqual([100, 200]);
  });

  it("never retries a POST on 500: it may have been applied", async () => {
    script = [
      { status: 500, body: { message: "500 Internal Server Error" } },
      { status: 201, body: {} },
    ];
    const { gitlab } = client();
    const error = await failure(
      gitlab.request("POST", "/projects/1/issues/2/notes", { json: { body: "x" } }),
    );
    expect(error).toMatchObject({
      status: 500,
      method: "POST",
      path: "/projects/1/issues/2/notes",
      kind: "http",
    });
    expect(error.message).toBe("500 Internal Server Error");
    expect(received).toHaveLength(1);
  });

  it.each([502, 503, 504])("retries a POST on %i: GitLab did not get to it", async (status) => {
    script = [{ status }, { status: 201, body: { id: 1 } }];
    const { gitlab } = client();
    await expect(gitlab.request("POST", "/p")).resolves.toEqual({ id: 1 });
    expect(received).toHaveLength(2);
  });

  it("retries a POST on 429 and honours Retry-After in seconds", async () => {
    script = [
      { status: 429, body: { message: "Retry later" }, headers: { "retry-after": "3" } },
      { status: 201, body: {} },
    ];
    const { gitlab, time } = client();
    await gitlab.request("POST", "/p");
    expect(time.waits).toEqual([3000]);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const { gitlab, time } = client();
    const at = new Date(time.clock.now + 5_000).toUTCString();
    script = [
      { status: 429, headers: { "retry-after": at } },
      { status: 200, body: {} },
    ];
    await gitlab.request("GET", "/g");
    expect(time.waits[0]).toBeGreaterThan(4_000);
    expect(time.waits[0]).toBeLessThanOrEqual(5_000);
  });

  it("does not retry other 4xx answers", async () => {
    script = [{ status: 404, body: { message: "404 Not found" } }];
    const { gitlab } = client();
    const error = await failure(gitlab.request("GET", "/missing"));
    expect(error).toMatchObject({ status: 404, message: "404 Not found", attempts: 1 });
    expect(received).toHaveLength(1);
  });

  it("gives up after maxAttempts and throws the last answer", async () => {
    script = [{ status: 502 }, { status: 503 }, { status: 500, body: { error: "boom" } }];
    const { gitlab, time } = client({ maxAttempts: 3 });
    const error = await failure(gitlab.request("GET", "/flaky"));
    expect(error).toMatchObject({ status: 500, message: "boom", attempts: 3 });
    expect(time.waits).toHaveLength(2);
  });

  it("stops retrying when the wait would pass the deadline", async () => {
    script = [
      { status: 429, headers: { "retry-after": "120" } },
      { status: 200, body: {} },
    ];
    const { gitlab, time } = client({ deadlineMs: 10_000 });
    const error = await failure(gitlab.request("GET", "/slow"));
    expect(error.kind).toBe("http");
    expect(error.status).toBe(429);
    expect(time.waits).toEqual([]);
    expect(received).toHaveLength(1);
  });

  it("turns GitLab's error shapes into one message", async () => {
    script = [
      { status: 400, body: { message: { base: ["Insufficient permissions to set pipeline variables"] } } },
      { status: 400, body: { message: { name: ["has already been taken"] } } },
      { status: 401, body: { error: "invalid_token", error_description: "Token was revoked" } },
      { status: 403, body: "<html>" },
    ];
    const { gitlab } = client();
    expect((await failure(gitlab.request("POST", "/a"))).message).toBe(
      "Insufficient permissions to set pipeline variables",
    );
    expect((await failure(gitlab.request("POST", "/b"))).message).toBe("name has already been taken");
    expect((await failure(gitlab.request("GET", "/c"))).message).toBe("invalid_token: Token was revoked");
    expect((await failure(gitlab.request("GET", "/d"))).message).toBe("Forbidden");
  });

  it("never puts the token in an error", async () => {
    script = [{ status: 401, body: { message: "401 Unauthorized" } }];
    const { gitlab } = client();
    const error = await failure(gitlab.request("GET", "/user"));
    expect(`${error.message} ${error.summary} ${String(error)} ${error.stack}`).not.toContain(TOKEN);
  });

  it("reports a 2xx of the wrong shape as an invalid answer", async () => {
    script = [{ status: 200, body: { id: "seven" } }];
    const { gitlab } = client();
    const error = await failure(gitlab.request("GET", "/user", { schema: z.object({ id: z.number() }) }));
    expect(error).toMatchObject({ kind: "invalid-answer", status: 200 });
    expect(error.message).toContain("at id");
  });

  it("aborts a call that gets no answer within the deadline", async () => {
    script = [{ status: 200, hang: true }];
    const gitlab = createGitLabClient({
      baseUrl,
      token: TOKEN,
      fetch,
      now: Date.now,
      sleep: (ms, signal) => delay(ms, undefined, { signal }),
      deadlineMs: 200,
    });
    const error = await failure(gitlab.request("GET", "/hang"));
    expect(error).toMatchObject({ kind: "timeout", status: 0 });
  });

  it("shares one deadline across the calls of a chain", async () => {
    script = [{ status: 503 }, { status: 200, body: {} }];
    const { gitlab, time } = client({ baseDelayMs: 4_000, maxDelayMs: 4_000 });
    const chain = gitlab.withDeadline(5_000);
    await chain.request("GET", "/first"); // waits 2 000 of the 5 000
    time.clock.now += 2_500;
    script = [{ status: 503 }, { status: 200, body: {} }];
    // 500 ms left: the second call's retry (a 2 000 ms wait) no longer fits.
    const error = await failure(chain.request("GET", "/second"));
    expect(error.status).toBe(503);
    time.clock.now += 1_000;
    const late = await failure(chain.request("GET", "/third"));
    expect(late).toMatchObject({ kind: "timeout", attempts: 0 });
  });

  it("stops when the caller's signal aborts", async () => {
    const { gitlab } = client();
    const controller = new AbortController();
    controller.abort();
    const error = await failure(gitlab.request("GET", "/x", { signal: controller.signal }));
    expect(error.kind).toBe("aborted");
  });

  describe("network errors", () => {
    let closedPort: string;
    beforeAll(async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
      closedPort = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
      await new Promise((resolve) => probe.close(resolve));
    });

    it("retries a refused connection, even for a POST (it never left)", async () => {
      const { gitlab, time } = client({ baseUrl: closedPort, maxAttempts: 3 });
      const error = await failure(gitlab.request("POST", "/p"));
      expect(error).toMatchObject({ kind: "network", status: 0, attempts: 3 });
      expect(error.message).toContain("ECONNREFUSED");
      expect(time.waits).toHaveLength(2);
    });
  });
});

describe("shared/gitlab/client retry rules", () => {
  it.each([
    ["GET", 500, true],
    ["GET", 429, true],
    ["GET", 404, false],
    ["PUT", 502, true],
    ["DELETE", 503, true],
    ["POST", 500, false],
    ["POST", 501, false],
    ["POST", 502, true],
    ["POST", 503, true],
    ["POST", 504, true],
    ["POST", 429, true],
    ["POST", 409, false],
  ] as const)("%s %i → retry %s", (method, status, retry) => {
    expect(isRetryableStatus(method, status)).toBe(retry);
  });

  it("parses Retry-After", () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter("7", 0)).toBe(7_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4_000)).toBe(6_000);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 20_000)).toBe(0);
  });
});
