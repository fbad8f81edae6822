// Each step of a run, guarded by the run's deadline and signals: a stop while a step runs ends the wait at
// once (the step is left behind; the run writes its last word and the process exits). Used by the mention's
// run (entrypoints/run.ts) and by a run without a mention (job/prompt-run/run.ts).
import { stopReasonOf, type RunDeadline, type StopReason } from "./deadline.ts";

/** A step was cut short by the deadline or a signal. */
export class RunStoppedError extends Error {
  override readonly name = "RunStoppedError";
  constructor(readonly reason: StopReason) {
    super(reason.kind === "deadline" ? "the run's deadline passed" : `stopped by ${reason.signal}`);
  }
}

/** Runs one step, unless the run was stopped; a stop while it runs ends the wait at once. */
export async function guarded<T>(
  name: string,
  work: () => T | Promise<T>,
  deadline: RunDeadline,
  log: (line: string) => void,
): Promise<T> {
  if (deadline.stopped) throw new RunStoppedError(deadline.stopped);
  log(`step: ${name}`);
  const signal = deadline.signal;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new RunStoppedError(stopReasonOf(signal) ?? { kind: "signal", signal: "abort" }));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  // A step that ignores the signal must not hold the run: the race ends the wait, and the placeholder is
  // written while the step is left behind (the process exits after the final note).
  stopped.catch(() => undefined);
  try {
    return await Promise.race([Promise.resolve().then(work), stopped]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** The first call runs `work`; later calls get the same promise. */
export function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= work());
}
