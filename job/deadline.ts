// The run's own deadline, below the job's timeout, so that the run (not GitLab's kill) stops the agent
// and writes the placeholder's last word; and the termination signals (GitLab cancelling the job, a person's
// Ctrl-C) turned into the same kind of stop. One AbortSignal carries both to every step: the agent runner
// kills its CLI on it, the GitLab calls give up on it.
//
//   const deadline = createRunDeadline({ now: Date.now, timeoutMs: settings.timeoutMs });
//   const unwatch = watchTerminationSignals(process, (signal) => deadline.stop({ kind: "signal", signal }));
//   await runner.run({ ..., deadlineAt: deadline.agentAt, signal: deadline.signal });
//   deadline.dispose(); unwatch();

export type StopReason =
  /** The run's own time limit (AGENT_TIMEOUT_MINUTES) ran out. */
  | { kind: "deadline"; timeoutMs: number }
  /** A termination signal arrived: the job was canceled, timed out, or someone pressed Ctrl-C. */
  | { kind: "signal"; signal: string };

export interface RunDeadline {
  /** Epoch ms by which the whole run must be done. */
  readonly at: number;
  /** Epoch ms at which the agent is stopped: the run's deadline less a reserve for publishing and the note. */
  readonly agentAt: number;
  /** Aborted at the deadline or on stop(); its reason is the StopReason. */
  readonly signal: AbortSignal;
  /** Why the run was stopped, once it was. */
  readonly stopped: StopReason | undefined;
  remainingMs(): number;
  stop(reason: StopReason): void;
  /** Clears the timer; the signal keeps its state. */
  dispose(): void;
}

export interface RunDeadlineOptions {
  /** Epoch milliseconds. */
  now: () => number;
  timeoutMs: number;
  /** When the run started (default: now). */
  startedAt?: number;
  /** Runs fn after ms and returns how to cancel it (default: setTimeout). */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/**
 * What the agent leaves of the run's time for publishing (git push, a merge request) and the final note:
 * 15 % of the timeout, at least 15 s and at most 3 minutes.
 */
export function publishReserveMs(timeoutMs: number): number {
  return Math.min(180_000, Math.max(15_000, Math.round(timeoutMs * 0.15)));
}

export function createRunDeadline(options: RunDeadlineOptions): RunDeadline {
  const startedAt = options.startedAt ?? options.now();
  const at = startedAt + options.timeoutMs;
  // A very short timeout (tests) still leaves the agent at least half of it.
  const agentAt = Math.max(startedAt + options.timeoutMs / 2, at - publishReserveMs(options.timeoutMs));
  const controller = new AbortController();
  let stopped: StopReason | undefined;
  const setTimer = options.setTimer ?? defaultSetTimer;

  const stop = (reason: StopReason) => {
    if (stopped) return;
    stopped = reason;
    cancel();
    controller.abort(reason);
  };
  const cancel = setTimer(
    () => stop({ kind: "deadline", timeoutMs: options.timeoutMs }),
    Math.max(0, at - options.now()),
  );

  return {
    at,
    agentAt,
    signal: controller.signal,
    get stopped() {
      return stopped;
    },
    remainingMs: () => Math.max(0, at - options.now()),
    stop,
    dispose: cancel,
  };
}

/** The events a process emits for termination signals; node's process fits. */
export interface SignalSource {
  on(event: "SIGTERM" | "SIGINT", listener: () => void): unknown;
  off(event: "SIGTERM" | "SIGINT", listener: () => void): unknown;
}

/**
 * Calls onSignal for SIGTERM (GitLab Runner cancelling the job, or its timeout) and SIGINT. Installing the
 * listeners replaces node's default of dying at once, which would leave the placeholder "working".
 * Returns how to remove them.
 */
export function watchTerminationSignals(
  source: SignalSource,
  onSignal: (signal: string) => void,
): () => void {
  const onTerm = () => onSignal("SIGTERM");
  const onInt = () => onSignal("SIGINT");
  source.on("SIGTERM", onTerm);
  source.on("SIGINT", onInt);
  return () => {
    source.off("SIGTERM", onTerm);
    source.off("SIGINT", onInt);
  };
}

/** The placeholder's words for a stop: what happened and what to try. */
export function describeStop(reason: StopReason, assistant: string): { error: string; hint: string } {
  if (reason.kind === "deadline") {
    const minutes = Math.round((reason.timeoutMs / 60_000) * 100) / 100;
    return {
      error: `stopped at the run's time limit of ${minutes} minute${minutes === 1 ? "" : "s"} (AGENT_TIMEOUT_MINUTES).`,
      hint: `Ask for a smaller step, or raise \`AGENT_TIMEOUT_MINUTES\` (and the job's timeout with it), then mention \`@${assistant}\` again.`,
    };
  }
  return {
    error: `stopped by ${reason.signal}: the job was canceled or reached its timeout.`,
    hint: `Mention \`@${assistant}\` again in a new comment to retry.`,
  };
}

/** The StopReason an aborted signal carries, if it is one of ours. */
export function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  const reason: unknown = signal.reason;
  if (typeof reason !== "object" || reason === null) return undefined;
  const kind = (reason as { kind?: unknown }).kind;
  return kind === "deadline" || kind === "signal" ? (reason as StopReason) : undefined;
}

// Kept referenced: whatever the run is waiting for, the deadline must fire (dispose clears it).
function defaultSetTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}
