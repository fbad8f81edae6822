// The one retry loop and the one "is it transient" rule: what is tried again, how long it waits, where the
// deadline stops it, and that the caller always gets the last error as it came.
import { describe, expect, it } from "vitest";
import { describeError, GitLabApiError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { doubling, isTransient, withRetry } from "../../../shared/gitlab/retry.ts";

const gitlabError = (status: number, kind: GitLabApiError["kind"] = "http") =>
  new GitLabApiError({ status, method: "PUT", path: "/x", message: `status ${status}`, kind, attempts: 1 });

describe("GitLabApiError.transient", () => {
  it("is true when no answer came or GitLab answered 408, 429 or a 5xx", () => {
    expect(gitlabError(0, "network").transient).toBe(true);
    expect(gitlabError(0, "timeout").transient).toBe(true);
    for (const status of [408, 429, 500, 502, 503, 504]) expect(gitlabError(status).transient).toBe(true);
  });

  it("is false for a refusal, an unexpected answer or the caller's abort", () => {
    for (const status of [400, 401, 403, 404, 409, 422]) expect(gitlabError(status).transient).toBe(false);
    expect(gitlabError(200, "invalid-answer").transient).toBe(false);
    expect(gitlabError(0, "aborted").transient).toBe(false);
  });

  it("gives other errors the benefit of the doubt", () => {
    expect(isTransient(new Error("socket hang up"))).toBe(true);
    expect(isTransient(gitlabError(404))).toBe(false);
  });
});

describe("describeError", () => {
  it("is GitLab's summary, an Error's message, or the value", () => {
    expect(describeError(gitlabError(404))).toBe("PUT /x answered 404: status 404");
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("plain")).toBe("plain");
  });
});

describe("withRetry", () => {
  const waitsOf = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it("retries a transient failure with the given waits and returns the first success", async () => {
    const { waits, sleep } = waitsOf();
    let calls = 0;
    const result = await withRetry(
      async (n) => {
        calls++;
        if (n < 3) throw gitlabError(503);
        return "ok";
      },
      { attempts: 4, delayMs: doubling(100), sleep },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it("stops at a refusal and after the last attempt, throwing the last error itself", async () => {
    const { waits, sleep } = waitsOf();
    const refused = gitlabError(403);
    await expect(
      withRetry(() => Promise.reject(refused), { attempts: 5, delayMs: () => 1, sleep }),
    ).rejects.toBe(refused);
    expect(waits).toEqual([]);

    let calls = 0;
    const failures: GitLabApiError[] = [];
    const last = withRetry(
      () => {
        calls++;
        const error = gitlabError(500);
        failures.push(error);
        return Promise.reject(error);
      },
      { attempts: 3, delayMs: doubling(10, 15), sleep },
    );
    await expect(last).rejects.toSatisfy((error) => error === failures.at(-1));
    expect(calls).toBe(3);
    expect(waits).toEqual([10, 15]);
  });

  it("does not start a wait that would end at or past the deadline", async () => {
    const { waits, sleep } = waitsOf();
    let calls = 0;
    const failing = withRetry(
      () => {
        calls++;
        return Promise.reject(gitlabError(502));
      },
      { attempts: 5, delayMs: () => 1_000, sleep, now: () => 10_000, deadlineAt: 11_000 },
    );
    await expect(failing).rejects.toBeInstanceOf(GitLabApiError);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it("throws the last error when the wait is cut short by the signal", async () => {
    const controller = new AbortController();
    const failure = gitlabError(429);
    let calls = 0;
    const cut = withRetry(
      () => {
        calls++;
        return Promise.reject(failure);
      },
      {
        attempts: 5,
        delayMs: () => 50,
        signal: controller.signal,
        sleep: (_ms, signal) => {
          controller.abort();
          return Promise.reject(signal?.reason as Error);
        },
      },
    );
    await expect(cut).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it("follows the caller's own rule and tells it of each retry", async () => {
    const { sleep } = waitsOf();
    const told: string[] = [];
    let calls = 0;
    const answer = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new Error("flaky");
        return calls;
      },
      {
        attempts: 2,
        retryable: (error) => (error as Error).message === "flaky",
        delayMs: () => 5,
        sleep,
        onRetry: (error, attempt, wait) => told.push(`${(error as Error).message} ${attempt} ${wait}`),
      },
    );
    expect(answer).toBe(2);
    expect(told).toEqual(["flaky 1 5"]);
  });
});
