// From a verified request to a typed Note Hook, Issue Hook or Merge Request Hook, or to the answer GitLab
// should get instead: 413 for an oversized body, 202 "ignored" for events the bridge does not handle (so
// GitLab does not count a failure against the hook), 400 for a malformed payload with a short reason naming
// the first bad field. A reason never repeats the body: it may hold a confidential note or issue.
import {
  ISSUE_HOOK_EVENTS,
  IssueHookSchema,
  MERGE_REQUEST_HOOK_EVENT,
  MergeRequestHookSchema,
} from "../gitlab/issuable-hook-schema.ts";
import { NOTE_HOOK_EVENTS, NOTEABLE_TYPES, NoteHookSchema, type NoteHook } from "../gitlab/webhook-schema.ts";
import { headerValue, type RawHeaders } from "./headers.ts";
import type { IssuableHook } from "./issuable-policy.ts";

export type ParseResult =
  | { kind: "note"; hook: NoteHook }
  | { kind: "issuable"; hook: IssuableHook }
  | { kind: "ignored"; status: 202; reason: string }
  | { kind: "rejected"; status: 400 | 413; reason: string };

export function bodyByteLength(rawBody: Uint8Array | string): number {
  return typeof rawBody === "string" ? Buffer.byteLength(rawBody, "utf8") : rawBody.byteLength;
}

/** 413 before anything else reads the body (verification hashes it). */
export function checkBodySize(
  rawBody: Uint8Array | string,
  maxBodyBytes: number,
): Extract<ParseResult, { kind: "rejected" }> | undefined {
  const size = bodyByteLength(rawBody);
  if (size <= maxBodyBytes) return undefined;
  return {
    kind: "rejected",
    status: 413,
    reason: `body of ${size} bytes is over the limit of ${maxBodyBytes}`,
  };
}

/** Any delivery the bridge acts on: a Note Hook, or an Issue Hook (confidential too) or Merge Request Hook. */
export function parseDelivery(
  headers: RawHeaders,
  rawBody: Uint8Array | string,
  maxBodyBytes: number,
): ParseResult {
  const event = headerValue(headers, "x-gitlab-event")?.trim();
  const schema = ISSUE_HOOK_EVENTS.some((name) => name === event)
    ? IssueHookSchema
    : event === MERGE_REQUEST_HOOK_EVENT
      ? MergeRequestHookSchema
      : undefined;
  if (!schema) {
    const note = parseNoteHook(headers, rawBody, maxBodyBytes);
    return note.kind === "ignored" && !NOTE_HOOK_EVENTS.some((name) => name === event)
      ? { ...note, reason: `${note.reason}, Issue Hook or Merge Request Hook` }
      : note;
  }
  const tooLarge = checkBodySize(rawBody, maxBodyBytes);
  if (tooLarge) return tooLarge;
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8"));
  } catch {
    return { kind: "rejected", status: 400, reason: "body is not valid JSON" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
    return {
      kind: "rejected",
      status: 400,
      reason: `invalid ${event} payload at ${field}: ${issue?.message ?? "invalid"}`,
    };
  }
  return { kind: "issuable", hook: parsed.data };
}

export function parseNoteHook(
  headers: RawHeaders,
  rawBody: Uint8Array | string,
  maxBodyBytes: number,
): ParseResult {
  const tooLarge = checkBodySize(rawBody, maxBodyBytes);
  if (tooLarge) return tooLarge;

  const event = headerValue(headers, "x-gitlab-event");
  if (!NOTE_HOOK_EVENTS.some((name) => name === event?.trim())) {
    const shown = event === undefined ? "no X-Gitlab-Event" : `X-Gitlab-Event "${event.slice(0, 60)}"`;
    return { kind: "ignored", status: 202, reason: `${shown} is not a Note Hook` };
  }

  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8"));
  } catch {
    return { kind: "rejected", status: 400, reason: "body is not valid JSON" };
  }

  // A note on something without an issue/MR-style API (an epic through a group hook, a design, a wiki
  // page) is a valid delivery the bridge does not handle: acknowledge it rather than fail the hook.
  const noteableType = noteableTypeOf(json);
  if (typeof noteableType === "string" && !NOTEABLE_TYPES.some((t) => t === noteableType)) {
    return { kind: "ignored", status: 202, reason: `notes on ${noteableType.slice(0, 40)} are not handled` };
  }

  const parsed = NoteHookSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
    return {
      kind: "rejected",
      status: 400,
      reason: `invalid Note Hook payload at ${field}: ${issue?.message ?? "invalid"}`,
    };
  }
  return { kind: "note", hook: parsed.data };
}

function noteableTypeOf(json: unknown): unknown {
  if (typeof json !== "object" || json === null) return undefined;
  const attributes = (json as { object_attributes?: unknown }).object_attributes;
  if (typeof attributes !== "object" || attributes === null) return undefined;
  return (attributes as { noteable_type?: unknown }).noteable_type;
}
