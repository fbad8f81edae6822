// One JSON line per delivery, for whoever runs the receiver to answer "what happened to my mention?".
// It names the delivery, the project, the decision and the GitLab calls made; it never holds a secret,
// a header other than the delivery ids, or the note's text (which may be confidential).

export type DeliveryResult =
  "accepted" | "dispatched" | "ignored" | "duplicate" | "failed" | "rejected" | "error";

export interface CallRecord {
  method: string;
  /** The API path without query; ids only, no text. */
  path: string;
  /** The HTTP status of a failure, 0 when no answer came; "ok" for a success. */
  outcome: "ok" | number;
  ms: number;
}

export interface DeliveryRecord {
  /** "webhook delivery" (the receiver's answer) or "mention task" (the worker's attempt). */
  msg?: string;
  eventUuid: string | null;
  idempotencyKey: string | null;
  projectPath: string | null;
  noteId: number | null;
  status: number;
  result: DeliveryResult;
  reason: string | null;
  durationMs: number;
  calls: readonly CallRecord[];
  /** The worker's attempt number, and whether a delivery or the sweep brought the task. */
  attempt?: number;
  source?: string;
  runs?: readonly { assistant: string; placeholderNoteId: number | null; pipelineId: number | null }[];
}

export function formatDeliveryLog(record: DeliveryRecord): string {
  return JSON.stringify({
    msg: record.msg ?? "webhook delivery",
    eventUuid: clip(record.eventUuid),
    idempotencyKey: clip(record.idempotencyKey),
    project: record.projectPath,
    noteId: record.noteId,
    status: record.status,
    result: record.result,
    reason: record.reason,
    durationMs: record.durationMs,
    callCount: record.calls.length,
    calls: record.calls,
    ...(record.attempt === undefined ? {} : { attempt: record.attempt, source: record.source }),
    runs: record.runs?.map(({ assistant, placeholderNoteId, pipelineId }) => ({
      assistant,
      placeholderNoteId,
      pipelineId,
    })),
  });
}

// Delivery ids come from request headers, read before verification: bound what an unauthenticated caller
// can write into the log.
function clip(value: string | null): string | null {
  return value === null ? null : value.slice(0, 100);
}
