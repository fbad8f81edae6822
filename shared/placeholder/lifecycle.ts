// The placeholder note's whole life, as the job sees it (run and finalize): the note the webhook receiver (or the trigger
// path) posted where the user asked becomes "working" with the job link, shows the agent's checklist as it
// goes, and ends as the result or as a clear error. Every body passes the job's redactor and keeps the
// placeholder marker and a status marker (finalize reads it to tell whether the job left it "working").
//
//   const placeholder = createPlaceholder({ gitlab, ref, head, redact, now: Date.now });
//   await placeholder.working();
//   placeholder.progress("- [x] read the issue\n- [ ] fix the bug");   // rate-limited, last write wins
//   await placeholder.succeed({ text, publish });                       // or placeholder.fail(error, hint)
//
// Progress edits are best effort and at most one per interval; the final edit waits for any edit under way
// (so no progress can land after it) and is retried a few times when the failure is transient, within the
// run's deadline. The GitLab client already retries 429 and 5xx answers inside each call.
import { setTimeout as delay } from "node:timers/promises";
import { updateNote, type NoteRef } from "../gitlab/api/notes.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { describeError } from "../gitlab/gitlab-api-error.ts";
import { withRetry } from "../gitlab/retry.ts";
import {
  renderFailed,
  renderSucceeded,
  renderWorking,
  type PlaceholderHead,
  type SuccessSummary,
} from "./job-text.ts";

export type PlaceholderState = "pending" | "working" | "done" | "failed";

export type SucceedInput = Omit<SuccessSummary, "durationMs" | "checklist"> & { durationMs?: number };

export interface Placeholder {
  readonly ref: NoteRef;
  readonly state: PlaceholderState;
  /** The last checklist the agent reported, if any. */
  readonly checklist: string | undefined;
  /** First thing the run does: "working", with the job link. Best effort: false when GitLab refused. */
  working(jobUrl?: string): Promise<boolean>;
  /** The agent's checklist (markdown). Rate-limited: at most one edit per interval, the latest text wins. */
  progress(checklistMarkdown: string): void;
  /** Writes a pending progress edit now and waits for edits under way. */
  flush(): Promise<void>;
  /** The result. Once final, later calls (progress or final) are ignored. True when GitLab took it. */
  succeed(summary: SucceedInput): Promise<boolean>;
  /** The error, the job link and what to try. True when GitLab took it. */
  fail(error: unknown, hint?: string): Promise<boolean>;
}

export interface PlaceholderOptions {
  gitlab: GitLabRequester;
  /** The placeholder note: the notes API edits it by id wherever it sits (plain note or thread reply). */
  ref: NoteRef;
  head: PlaceholderHead;
  /** Every body passes it before it is posted (the job's redactor). */
  redact: (text: string) => string;
  /** Epoch milliseconds. */
  now: () => number;
  /** When the run started (default: now at creation), for the duration shown. */
  startedAt?: number;
  /** Least time between two edits, in ms (default 5000). */
  progressIntervalMs?: number;
  /** Runs fn after ms and returns how to cancel it (default: an unref'd setTimeout). */
  setTimer?: (fn: () => void, ms: number) => () => void;
  /** Waits between attempts of the final edit (default: node's timers). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts of the final edit, the first included (default 3). */
  finalAttempts?: number;
  /** Epoch ms after which the final edit is not retried any more (the run's deadline). */
  finalDeadlineAt?: number;
  /** Handles besides the assistants' names to write in code spans (the project's aliases). */
  extraHandles?: readonly string[];
  log?: (line: string) => void;
}

const DEFAULT_INTERVAL_MS = 5_000;
const FINAL_BACKOFF_MS = [1_000, 3_000, 5_000];

export function createPlaceholder(options: PlaceholderOptions): Placeholder {
  const { gitlab, ref, redact, now } = options;
  const head: PlaceholderHead = { ...options.head };
  const startedAt = options.startedAt ?? now();
  const interval = options.progressIntervalMs ?? DEFAULT_INTERVAL_MS;
  const setTimer = options.setTimer ?? defaultSetTimer;
  const sleep = options.sleep ?? ((ms: number) => delay(ms, undefined, { ref: false }));
  const log = options.log ?? (() => undefined);
  const render = { extraHandles: options.extraHandles ?? [] };

  let state: PlaceholderState = "pending";
  let checklist: string | undefined;
  let pendingProgress = false;
  let final = false;
  let lastEditAt = Number.NEGATIVE_INFINITY;
  let cancelTimer: (() => void) | undefined;
  let inFlight: Promise<void> | undefined;

  const put = (body: string) => updateNote(gitlab, { ...ref, body: redact(body) });

  function scheduleProgress(): void {
    if (final || !pendingProgress || cancelTimer || inFlight) return;
    const wait = lastEditAt + interval - now();
    if (wait > 0) {
      cancelTimer = setTimer(() => {
        cancelTimer = undefined;
        scheduleProgress();
      }, wait);
      return;
    }
    sendProgress();
  }

  function sendProgress(): void {
    pendingProgress = false;
    lastEditAt = now();
    const body = renderWorking(head, checklist, render);
    inFlight = put(body).then(
      () => {
        if (state === "pending") state = "working";
      },
      (error: unknown) => log(`placeholder: progress edit failed: ${describeError(error)}`),
    );
    void inFlight.finally(() => {
      inFlight = undefined;
      scheduleProgress();
    });
  }

  async function settle(): Promise<void> {
    cancelTimer?.();
    cancelTimer = undefined;
    while (inFlight) await inFlight;
  }

  async function finish(status: "done" | "failed", body: string): Promise<boolean> {
    if (final) return false;
    final = true;
    await settle();
    let attempts = 0;
    try {
      await withRetry(
        async (n) => {
          attempts = n;
          await put(body);
        },
        {
          attempts: options.finalAttempts ?? 3,
          delayMs: (retry) => FINAL_BACKOFF_MS[retry - 1] ?? 5_000,
          sleep,
          now,
          ...(options.finalDeadlineAt !== undefined ? { deadlineAt: options.finalDeadlineAt } : {}),
          onRetry: (error, _n, wait) =>
            log(`placeholder: the final edit failed (${describeError(error)}); trying again in ${wait} ms`),
        },
      );
      state = status;
      return true;
    } catch (error) {
      log(
        `placeholder: the final edit (${status}) failed after ${attempts} attempt(s): ${describeError(error)}`,
      );
      return false;
    }
  }

  return {
    ref,
    get state() {
      return state;
    },
    get checklist() {
      return checklist;
    },
    async working(jobUrl) {
      if (final) return false;
      if (jobUrl !== undefined) head.jobUrl = jobUrl;
      await settle();
      pendingProgress = false;
      lastEditAt = now();
      let ok = false;
      // Tracked like a progress edit, so a final edit made meanwhile waits for it and lands last.
      const edit = put(renderWorking(head, checklist, render)).then(
        () => {
          ok = true;
          if (state === "pending") state = "working";
        },
        (error: unknown) => log(`placeholder: could not mark it working: ${describeError(error)}`),
      );
      inFlight = edit;
      await edit;
      if (inFlight === edit) inFlight = undefined;
      scheduleProgress();
      return ok;
    },
    progress(markdown) {
      if (final) return;
      checklist = markdown;
      pendingProgress = true;
      scheduleProgress();
    },
    async flush() {
      for (;;) {
        cancelTimer?.();
        cancelTimer = undefined;
        if (inFlight) await inFlight;
        else if (pendingProgress && !final) sendProgress();
        else return;
      }
    },
    succeed(summary) {
      const body = renderSucceeded(
        head,
        {
          ...summary,
          durationMs: summary.durationMs ?? now() - startedAt,
          ...(checklist !== undefined ? { checklist } : {}),
        },
        render,
      );
      return finish("done", body);
    },
    fail(error, hint) {
      const report = {
        error: describeError(error),
        durationMs: now() - startedAt,
        ...(hint !== undefined ? { hint } : {}),
        ...(checklist !== undefined ? { checklist } : {}),
      };
      return finish("failed", renderFailed(head, report, render));
    },
  };
}

function defaultSetTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
