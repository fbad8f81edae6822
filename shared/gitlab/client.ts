// A thin fetch-based GitLab REST v4 client. Not @gitbeaker: the webhook bundle must stay small for a fast
// cold start, and the bridge needs exact control of which calls are retried, since a retried POST that had
// already been applied would post a second note or start a second pipeline.
// It never reads the environment, the clock or the network on its own: fetch, now and sleep come in
// (node-client.ts hands in node's). Its attempts run through retry.ts's withRetry; the rules of what may be
// retried are here. Every text field it sends in a POST or PUT is neutralized against GitLab's quick actions.
//
//   const gitlab = createGitLabClient({ baseUrl: "https://gitlab.example.com", token, fetch, now: Date.now,
//     sleep: (ms, signal) => setTimeout(ms, undefined, { signal }) }); // node:timers/promises
//   const me = await gitlab.request("GET", "/user", { schema: UserSchema, onAnswer: ({ headers }) => … });
import type { z } from "zod";
import { errorBodyMessage } from "./error-body.ts";
import { GitLabApiError, type GitLabApiErrorKind } from "./gitlab-api-error.ts";
import { neutralizeBodyFields } from "./quick-actions.ts";
import { withRetry } from "./retry.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions<T> {
  query?: Readonly<Record<string, QueryValue>>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (the trigger API's `variables[KEY]` and `inputs[name]`). */
  form?: Readonly<Record<string, string>>;
  /** Checks a 2xx answer; without it the parsed JSON is returned as it came (or undefined when empty). */
  schema?: z.ZodType<T>;
  /** Aborts the call and its retries. */
  signal?: AbortSignal;
  /** Told of the 2xx answer's status and headers (pagination's x-next-page, x-total) before its body is checked. */
  onAnswer?: (answer: GitLabAnswer) => void;
}

/** What a 2xx answer carried besides its body. */
export interface GitLabAnswer {
  status: number;
  headers: Headers;
}

export interface GitLabClient {
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions<T>): Promise<T>;
  /**
   * A view of this client whose calls all share one deadline, `ms` from now: the budget of a call chain,
   * such as one webhook delivery. Each call still gets at most the client's own per-call deadline.
   */
  withDeadline(ms: number): GitLabClient;
}

/** Anything with the client's request method (a client, a deadline view of it, a counting wrapper). */
export type GitLabRequester = Pick<GitLabClient, "request">;

export interface GitLabClientOptions {
  /** The instance's base URL, e.g. https://gitlab.example.com (no /api/v4, no trailing slash needed). */
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  /** Waits ms; should reject or resolve early when the signal aborts, so no timer outlives a call. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch milliseconds. */
  now: () => number;
  /** Budget of one call with its retries, in ms (default 10 000). */
  deadlineMs?: number;
  /** HTTP attempts per call, the first one included (default 4). */
  maxAttempts?: number;
  /** First backoff cap in ms, doubled per retry (default 200). */
  baseDelayMs?: number;
  /** Largest backoff cap in ms (default 4000). */
  maxDelayMs?: number;
  /** [0, 1) for the jitter (default Math.random); tests make it fixed. */
  random?: () => number;
}

const DEFAULTS = { deadlineMs: 10_000, maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 4_000 };

// Errors raised before the request left the machine: safe to retry even for a POST.
const CONNECT_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Whether a failed attempt may be repeated. GET, PUT and DELETE are idempotent: any 429 or 5xx. A POST only
 * when GitLab cannot have applied it: 429 (rate limited before the work) and 502/503/504 (a proxy in front
 * answered); a 500 may come after the note or pipeline was created, so a POST is never retried on it.
 */
export function isRetryableStatus(method: HttpMethod, status: number): boolean {
  if (status === 429) return true;
  if (method === "POST") return status === 502 || status === 503 || status === 504;
  return status >= 500 && status <= 599;
}

function isRetryableNetworkError(method: HttpMethod, error: unknown): boolean {
  if (method !== "POST") return true;
  const code = errorCode(error);
  return code !== undefined && CONNECT_ERROR_CODES.has(code);
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After in ms: delta-seconds or an HTTP date (https://www.rfc-editor.org/rfc/rfc9110#name-retry-after). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function createGitLabClient(options: GitLabClientOptions): GitLabClient {
  const settings = { ...DEFAULTS, ...options };
  const random = options.random ?? Math.random;
  const apiBase = `${options.baseUrl.replace(/\/+$/, "")}/api/v4`;

  const backoff = (retry: number): number =>
    // Full jitter: uniform in [0, cap), so many webhook functions retrying at once spread out.
    Math.floor(random() * Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1)));

  async function call<T>(
    chainDeadline: number,
    method: HttpMethod,
    path: string,
    opts: RequestOptions<T>,
  ): Promise<T> {
    const started = options.now();
    const deadlineAt = Math.min(chainDeadline, started + settings.deadlineMs);
    const fail = (kind: GitLabApiErrorKind, status: number, message: string, attempts: number) =>
      new GitLabApiError({ status, method, path, message, kind, attempts });

    if (deadlineAt <= started) throw fail("timeout", 0, "no time left in the call chain's deadline", 0);
    if (opts.signal?.aborted) throw fail("aborted", 0, "aborted by the caller before it started", 0);

    const deadline = new AbortController();
    const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
    const timer = new AbortController();
    options.sleep(deadlineAt - started, timer.signal).then(
      () => deadline.abort(),
      () => undefined,
    );
    const stopped = (attempts: number) =>
      opts.signal?.aborted
        ? fail("aborted", 0, "aborted by the caller", attempts)
        : fail("timeout", 0, `no answer within the deadline of ${deadlineAt - started} ms`, attempts);

    const { url, init } = buildRequest(apiBase, options.token, method, path, opts);
    // What the last failed attempt allows: set by `attempt` before it throws, read by the retry rules.
    let next: { retryable: boolean; afterMs?: number } = { retryable: false };
    const attempt = async (n: number): Promise<T> => {
      let response: Response;
      try {
        response = await options.fetch(url, { ...init, signal });
      } catch (error) {
        next = { retryable: false };
        if (signal.aborted) throw stopped(n);
        next = { retryable: isRetryableNetworkError(method, error) };
        throw fail("network", 0, `could not reach GitLab (${errorCode(error) ?? "fetch failed"})`, n);
      }

      let body: unknown;
      next = { retryable: false };
      try {
        body = await readJson(response);
      } catch (error) {
        if (signal.aborted) throw stopped(n);
        if (response.ok) throw fail("invalid-answer", response.status, String(error), n);
        body = undefined;
      }

      if (response.ok) {
        opts.onAnswer?.({ status: response.status, headers: response.headers });
        if (!opts.schema) return body as T;
        const parsed = opts.schema.safeParse(body);
        if (parsed.success) return parsed.data;
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? issue.path.join(".") : "the body";
        throw fail(
          "invalid-answer",
          response.status,
          `the answer did not have the expected shape at ${where}: ${issue?.message ?? "invalid"}`,
          n,
        );
      }

      const retryAfter = parseRetryAfter(response.headers.get("retry-after"), options.now());
      next = {
        retryable: isRetryableStatus(method, response.status),
        ...(retryAfter !== undefined ? { afterMs: retryAfter } : {}),
      };
      throw fail(
        "http",
        response.status,
        errorBodyMessage(body) ?? (response.statusText || `HTTP ${response.status}`),
        n,
      );
    };

    try {
      return await withRetry(attempt, {
        attempts: settings.maxAttempts,
        retryable: () => next.retryable,
        delayMs: (retry) => next.afterMs ?? backoff(retry),
        sleep: options.sleep,
        now: options.now,
        // Waiting past the deadline only to be cut off helps no one: GitLab's answer is given back now.
        deadlineAt,
        signal,
      });
    } finally {
      timer.abort();
    }
  }

  const view = (chainDeadline: () => number): GitLabClient => ({
    request: <T>(method: HttpMethod, path: string, opts: RequestOptions<T> = {}) =>
      call(chainDeadline(), method, path, opts),
    withDeadline: (ms: number) => {
      const at = options.now() + ms;
      return view(() => Math.min(at, chainDeadline()));
    },
  });
  return view(() => Number.POSITIVE_INFINITY);
}

function buildRequest(
  apiBase: string,
  token: string,
  method: HttpMethod,
  path: string,
  opts: RequestOptions<unknown>,
): { url: string; init: RequestInit } {
  if (!path.startsWith("/")) throw new TypeError(`GitLab API path must start with "/", got "${path}"`);
  const url = new URL(apiBase + path);
  for (const [key, value] of Object.entries(opts.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = {
    "PRIVATE-TOKEN": token,
    accept: "application/json",
    "user-agent": "agent-bridge",
  };
  let body: string | undefined;
  // Every text the bridge sends to GitLab (replies, placeholders, progress, inline comments, merge request
  // titles and descriptions, patch replies) passes here, so no line of it can run as a quick action, and
  // no new call can forget it. See quick-actions.ts.
  const writes = method === "POST" || method === "PUT";
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(writes ? neutralizeBodyFields(opts.json) : opts.json);
  } else if (opts.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    const form = writes ? neutralizeBodyFields(opts.form) : opts.form;
    body = new URLSearchParams(Object.entries(form)).toString();
  }
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  return { url: url.toString(), init };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(
      `the answer was not JSON (content-type ${response.headers.get("content-type") ?? "none"})`,
    );
  }
}

export interface CallObserver {
  /** Told as each call starts. */
  started?: (call: { method: HttpMethod; path: string }) => void;
  /** Told as each call ends: its error when it failed, and how long it took (by `now`). */
  finished?: (call: { method: HttpMethod; path: string; error?: unknown; ms: number }) => void;
  now?: () => number;
}

/** A view of `gl` whose calls are reported to `observer` (the delivery log's call list, the context's count). */
export function observeCalls(gl: GitLabRequester, observer: CallObserver): GitLabRequester {
  const now = observer.now ?? Date.now;
  return {
    request: async (method, path, options) => {
      observer.started?.({ method, path });
      const t0 = now();
      try {
        const result = await gl.request(method, path, options);
        observer.finished?.({ method, path, ms: now() - t0 });
        return result;
      } catch (error) {
        observer.finished?.({ method, path, error, ms: now() - t0 });
        throw error;
      }
    },
  };
}
