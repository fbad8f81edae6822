// The hidden marker that tags every note the bridge writes, so it can recognise its own notes: a note with
// a marker never triggers a run (no loops), and a redelivered event finds the placeholder it left. On a
// placeholder the one marker also says where it stands (status) and which CI job works on it (job):
//   <!-- agent-bridge:placeholder {"assistant":"claude","note":123,"status":"working","job":456} -->
// A run that no note asked for (an issue or merge request opened, edited, assigned, given a reviewer or a
// label: issuable-worker.ts) names the change that asked instead of a note, so a redelivery of the same
// change finds the placeholder it left: {"assistant":"claude","change":"issue:5:update:3f9a…"}.
// An HTML comment: GitLab keeps it in the note's source and does not render it.
// Notes written before status and job moved into the marker carry them apart, and are still read: a status
// marker (<!-- agent-bridge:status working -->) and the job id in the visible "View the job" link.
// Anyone can type a marker into a note; that only makes the bridge ignore the note. Code that trusts a
// marker (the placeholder search) must also check the note's author is the bridge. zod/mini: the receiver
// reads markers (shared/config/env-values.ts says why).
import * as z from "zod/mini";
import { AssistantSchema } from "../gitlab/assistant.ts";
import type { Assistant } from "../mention/index.ts";

/** placeholder: the "working" note that the job turns into its result; the others are for the job's notes. */
export const MARKER_KINDS = ["placeholder", "reply", "review", "notice"] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];

export const PLACEHOLDER_STATUSES = ["working", "done", "failed"] as const;
export type PlaceholderStatus = (typeof PLACEHOLDER_STATUSES)[number];

/** Whose note it is: the kind, the assistant, and the note (or the change) that triggered the run. */
export interface BridgeMarker {
  kind: MarkerKind;
  assistant: Assistant;
  /** The id of the note that triggered the run; absent when a change of the issue or MR did (`change`). */
  note?: number;
  /** The identity of the or merge request's change that triggered the run (issuable-policy.ts). */
  change?: string;
}

/**
 * The triggers that leave a placeholder without a note that asked: an automatic review's summary note (its
 * `note` is then the merge request's global id, and the next review of that merge request finds the note
 * by this and edits it instead of adding another).
 */
export const MARKER_TRIGGERS = ["auto_review"] as const;
export type MarkerTrigger = (typeof MARKER_TRIGGERS)[number];

/** What a placeholder's marker says besides whose it is. */
export interface PlaceholderFacts {
  status?: PlaceholderStatus;
  /** The CI job working on it. */
  job?: number;
  /** Set when no note asked (an automatic review). */
  trigger?: MarkerTrigger;
  /** The merge request's head commit an automatic review looked at. */
  sha?: string;
}

const PREFIX = "<!-- agent-bridge:";
const MARKER_PATTERN = /<!-- agent-bridge:([a-z-]+) (\{[^<>]*\}) -->/g;
/** A change's identity as issuableTriggerKey writes it: nothing that could end the HTML comment. */
export const TRIGGER_KEY_PATTERN = /^[A-Za-z0-9_:.-]{1,200}$/;
const MarkerDataSchema = z
  .object({
    assistant: AssistantSchema,
    note: z.optional(z.int().check(z.positive())),
    change: z.optional(z.string().check(z.regex(TRIGGER_KEY_PATTERN))),
    status: z.optional(z.enum(PLACEHOLDER_STATUSES)),
    job: z.optional(z.int().check(z.positive())),
    trigger: z.optional(z.enum(MARKER_TRIGGERS)),
    sha: z.optional(z.string().check(z.regex(/^[0-9a-f]{7,64}$/))),
  })
  .check(z.refine((data) => data.note !== undefined || data.change !== undefined));
const LEGACY_STATUS_PATTERN = /<!-- agent-bridge:status (working|done|failed) -->/;
const LEGACY_JOB_LINK_PATTERN = /\[View the job\]\([^)\s]*\/-\/jobs\/(\d+)\)/g;

export function markerFor(marker: BridgeMarker & PlaceholderFacts): string {
  const data: Record<string, string | number> = { assistant: marker.assistant };
  if (marker.note !== undefined) data["note"] = marker.note;
  if (marker.change !== undefined) data["change"] = marker.change;
  if (marker.status !== undefined) data["status"] = marker.status;
  if (marker.job !== undefined) data["job"] = marker.job;
  if (marker.trigger !== undefined) data["trigger"] = marker.trigger;
  if (marker.sha !== undefined) data["sha"] = marker.sha;
  return `${PREFIX}${marker.kind} ${JSON.stringify(data)} -->`;
}

/** The first well-formed marker in a note body, or null. */
export function parseMarker(body: string): BridgeMarker | null {
  return parseMarkers(body)[0] ?? null;
}

/** Every well-formed marker in a note body, in order. */
export function parseMarkers(body: string): BridgeMarker[] {
  return readMarkers(body).map(({ kind, assistant, note, change }) => ({
    kind,
    assistant,
    ...(note !== undefined ? { note } : {}),
    ...(change !== undefined ? { change } : {}),
  }));
}

/** A placeholder's marker with its status and job, older notes' separate status marker and link included. */
export function readPlaceholder(body: string): (BridgeMarker & PlaceholderFacts) | null {
  const marker = readMarkers(body).find((m) => m.kind === "placeholder");
  if (!marker) return null;
  const status = marker.status ?? legacyStatus(body);
  const job = marker.job ?? legacyJob(body);
  return { ...marker, ...(status !== undefined ? { status } : {}), ...(job !== undefined ? { job } : {}) };
}

/**
 * The status a placeholder body carries. A placeholder the webhook receiver wrote and no job has touched
 * yet has none: null, which finalize treats like "working".
 */
export function parsePlaceholderStatus(body: string): PlaceholderStatus | null {
  return readPlaceholder(body)?.status ?? legacyStatus(body) ?? null;
}

/**
 * Whether a body carries anything that looks like a bridge marker, well-formed or not: loop prevention
 * errs on the side of ignoring.
 */
export function hasBridgeMarker(body: string): boolean {
  return body.includes(PREFIX);
}

function readMarkers(body: string): Array<BridgeMarker & PlaceholderFacts> {
  const found: Array<BridgeMarker & PlaceholderFacts> = [];
  for (const match of body.matchAll(MARKER_PATTERN)) {
    const kind = MARKER_KINDS.find((k) => k === match[1]);
    if (!kind || match[2] === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(match[2]);
    } catch {
      continue;
    }
    const data = MarkerDataSchema.safeParse(json);
    if (!data.success) continue;
    const { assistant, note, change, status, job, trigger, sha } = data.data;
    found.push({
      kind,
      assistant,
      ...(note !== undefined ? { note } : {}),
      ...(change !== undefined ? { change } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(job !== undefined ? { job } : {}),
      ...(trigger !== undefined ? { trigger } : {}),
      ...(sha !== undefined ? { sha } : {}),
    });
  }
  return found;
}

function legacyStatus(body: string): PlaceholderStatus | undefined {
  return LEGACY_STATUS_PATTERN.exec(body)?.[1] as PlaceholderStatus | undefined;
}

// The last such link: the footer comes after the agent's checklist, which could hold any text.
function legacyJob(body: string): number | undefined {
  const id = [...body.matchAll(LEGACY_JOB_LINK_PATTERN)].at(-1)?.[1];
  return id !== undefined ? Number(id) : undefined;
}
