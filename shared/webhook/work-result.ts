// What one attempt of a queued task ends with, for both workers (worker.ts for notes, issuable-worker.ts for
// changes of issues and merge requests), and the error that asks the queue to run the task again.
import type { DeliveryResult } from "./log.ts";
import type { RunOutcome } from "./dispatch.ts";

export interface WorkResult {
  result: DeliveryResult;
  reason?: string;
  runs?: RunOutcome[];
}

/** A transient failure (no answer, 429, 5xx), or a lock another task holds: run the task again later. */
export class RetryLater extends Error {
  override readonly name = "RetryLater";
}
