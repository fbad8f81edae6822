// The hidden marker that tags every note the bridge writes, so it can recognise its own notes: a note with
// a marker never triggers a run (no loops), and a redelivered event finds the placeholder it left.
// An HTML comment: GitLab keeps it in the note's source and does not render it.
//   <!-- agent-bridge:placeholder {"assistant":"claude","note":123} -->
// Anyone can type a marker into a note; that only makes the bridge ignore the note. Code that trusts a
// marker (the claim's placeholder search) must also check the note's author is the bridge.
import { z } from "zod";
import type { Assistant } from "../mention/index.ts";
import { AssistantSchema } from "./assistant.ts";

/** placeholder: the "working" note that the job turns into its result; the others are for the job's notes. */
export const MARKER_KINDS = ["placeholder", "reply", "review", "notice"] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];

export interface BridgeMarker {
  kind: MarkerKind;
  assistant: Assistant;
  /** The id of the note that triggered the run. */
  note: number;
}

const PREFIX = "<!-- agent-bridge:";
const MARKER_PATTERN = /<!-- agent-bridge:([a-z-]+) (\{[^<>]*\}) -->/g;
const MarkerDataSchema = z.object({ assistant: AssistantSchema, note: z.number().int().positive() });

export function markerFor(marker: BridgeMarker): string {
  const data = JSON.stringify({ assistant: marker.assistant, note: marker.note });
  return `${PREFIX}${marker.kind} ${data} -->`;
}

/** The first well-formed marker in a note body, or null. */
export function parseMarker(body: string): BridgeMarker | null {
  return parseMarkers(body)[0] ?? null;
}

/** Every well-formed marker in a note body, in order. */
export function parseMarkers(body: string): BridgeMarker[] {
  const found: BridgeMarker[] = [];
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
    if (data.success) found.push({ kind, assistant: data.data.assistant, note: data.data.note });
  }
  return found;
}

/**
 * Whether a body carries anything that looks like a bridge marker, well-formed or not: loop prevention
 * errs on the side of ignoring.
 */
export function hasBridgeMarker(body: string): boolean {
  return body.includes(PREFIX);
}
