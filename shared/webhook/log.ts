// One JSON line per delivery, for whoever runs the receiver to answer "what happened to my mention?".
// It names the delivery, the project, the decision and the GitLab calls made; it never holds a secret,
// a header other than the delivery ids, or the note's text (which may be confidential). Every line carries its
// level in the two fields the clouds read it from, so their consoles can filter and alert on it: `severity`
// for Cloud Logging (a LogSeverity name) and `level` for Lambda's log-level filtering in CloudWatch.
// https://cloud.google.com/logging/docs/structured-logging
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html

export type LogLevel = "info" | "warn" | "error";

const SEVERITY = { info: "INFO", warn: "WARNING", error: "ERROR" } as const;
const LAMBDA_LEVEL = { info: "INFO", warn: "WARN", error: "ERROR" } as const;

/** The fields that give a JSON log line its level in Cloud Logging and in CloudWatch. */
export function levelFields(level: LogLevel): {
  severity: (typeof SEVERITY)[LogLevel];
  level: (typeof LAMBDA_LEVEL)[LogLevel];
} {
  return { severity: SEVERITY[level], level: LAMBDA_LEVEL[level] };
}

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
  /** For a change of an issue or merge request: its trigger key (issuable-policy.ts), never its text. */
  trigger?: string;
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

/**
 * A delivery's level: an error when the bridge could not do its part (the mention went unanswered), a warning
 * when the request was refused (a wrong secret or a malformed payload: someone's setup is off), else info.
 */
export function deliveryLevel(result: DeliveryResult): LogLevel {
  if (result === "error" || result === "failed") return "error";
  return result === "rejected" ? "warn" : "info";
}

export function formatDeliveryLog(record: DeliveryRecord): string {
  return JSON.stringify({
    ...levelFields(deliveryLevel(record.result)),
    msg: record.msg ?? "webhook delivery",
    eventUuid: clip(record.eventUuid),
    idempotencyKey: clip(record.idempotencyKey),
    project: record.projectPath,
    noteId: record.noteId,
    ...(record.trigger === undefined ? {} : { trigger: record.trigger }),
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
