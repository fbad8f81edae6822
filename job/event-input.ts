// Where the job's event comes from, in order: AGENT_BRIDGE_EVENT (the webhook receiver's variable, or the
// `agent_bridge_event` pipeline input that the templates pass on under the same name), else AI_FLOW_CONTEXT
// (the same event under GitLab's agent-platform names, with AI_FLOW_INPUT and AI_FLOW_EVENT), else
// TRIGGER_PAYLOAD (a raw Note Hook: a project's webhook pointed straight at the pipeline trigger URL; the
// job then applies the receiver's rules itself, see trigger-payload.ts).
// A job for one assistant leaves an event for the other one alone (AGENT_ASSISTANT), and a pipeline with no
// event at all has nothing to do: both end quietly. A malformed event is an error that names the variable
// and the first bad field, never the value; when the placeholder can still be found, it says so too.
import { z } from "zod";
import { AssistantSchema } from "../shared/gitlab/assistant.ts";
import type { NoteRef } from "../shared/gitlab/api/notes.ts";
import { NoteHookSchema, type NoteHook } from "../shared/gitlab/webhook-schema.ts";
import { BridgeEventSchema, type BridgeEvent } from "../shared/webhook/bridge-event.ts";
import type { Assistant } from "../shared/mention/index.ts";

export type EventSourceName = "AGENT_BRIDGE_EVENT" | "AI_FLOW_CONTEXT" | "TRIGGER_PAYLOAD";

export type EventInput =
  | { kind: "event"; event: BridgeEvent; source: EventSourceName }
  /** Nothing for this job to do: no event, another assistant's event, or a note that summons no one. */
  | { kind: "skip"; source: EventSourceName | null; reason: string };

/** Where a placeholder sits and whose it is: enough to turn it into an error. */
export interface PlaceholderLocation {
  ref: NoteRef;
  assistant: Assistant;
  /** The note that asked; null when a change of the issue or merge request did (triggerKey). */
  triggerNoteId: number | null;
  triggerKey?: string;
  askedBy?: string;
}

export class EventInputError extends Error {
  override readonly name = "EventInputError";
  /** Set when the malformed event still says where its placeholder is. */
  readonly placeholder: PlaceholderLocation | undefined;

  constructor(message: string, placeholder?: PlaceholderLocation) {
    super(message);
    this.placeholder = placeholder;
  }
}

export interface ReadEventOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** The assistant this job runs (AGENT_ASSISTANT, or the template's); undefined: whichever the event names. */
  assistant: Assistant | undefined;
  /** Reads TRIGGER_PAYLOAD's file: GitLab passes it as a file-type variable, i.e. a path. */
  readFile: (path: string) => Promise<string>;
  /** The trigger path: policy, access check, claim and placeholder. Called only for a Note Hook to act on. */
  acceptTrigger: (hook: NoteHook, assistant: Assistant) => Promise<EventInput>;
}

const FLOW_EVENTS: readonly string[] = ["mention", "assign", "assign_reviewer"];

// Blank means unset: a template passes an empty input as "".
function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** The event for this job, or why there is nothing to do; throws EventInputError when it is malformed. */
export async function readEventInput(options: ReadEventOptions): Promise<EventInput> {
  const { env, assistant } = options;
  const bridgeEvent = present(env["AGENT_BRIDGE_EVENT"]);
  if (bridgeEvent !== undefined) {
    return forThisJob(decodeEvent(bridgeEvent, "AGENT_BRIDGE_EVENT"), "AGENT_BRIDGE_EVENT", assistant);
  }

  const flowContext = present(env["AI_FLOW_CONTEXT"]);
  if (flowContext !== undefined) {
    const flowEvent = present(env["AI_FLOW_EVENT"])?.trim();
    // The receiver's events under GitLab's agent-platform names: mention, assign, assign_reviewer.
    if (flowEvent !== undefined && !FLOW_EVENTS.includes(flowEvent)) {
      return {
        kind: "skip",
        source: "AI_FLOW_CONTEXT",
        reason: `AI_FLOW_EVENT "${clip(flowEvent)}" is not handled, only ${FLOW_EVENTS.join(", ")}`,
      };
    }
    const event = decodeEvent(flowContext, "AI_FLOW_CONTEXT");
    const input = present(env["AI_FLOW_INPUT"]);
    // A confidential note's text stays out of pipeline variables by design: the job reads the note itself.
    if (event.instruction === undefined && !event.confidential && input !== undefined)
      event.instruction = input;
    return forThisJob(event, "AI_FLOW_CONTEXT", assistant);
  }

  const payload = present(env["TRIGGER_PAYLOAD"]);
  if (payload !== undefined) {
    if (assistant === undefined) {
      throw new EventInputError(
        "TRIGGER_PAYLOAD needs AGENT_ASSISTANT (claude or codex): which assistant this job runs.",
      );
    }
    const hook = await readTriggerPayload(payload, options.readFile);
    if ("skip" in hook) return { kind: "skip", source: "TRIGGER_PAYLOAD", reason: hook.skip };
    return options.acceptTrigger(hook.hook, assistant);
  }

  return {
    kind: "skip",
    source: null,
    reason: "no event: AGENT_BRIDGE_EVENT, AI_FLOW_CONTEXT and TRIGGER_PAYLOAD are all empty",
  };
}

function forThisJob(
  event: BridgeEvent,
  source: EventSourceName,
  assistant: Assistant | undefined,
): EventInput {
  if (assistant !== undefined && event.assistant !== assistant) {
    return {
      kind: "skip",
      source,
      reason: `the event is for ${event.assistant}; this job runs ${assistant}`,
    };
  }
  return { kind: "event", event, source };
}

// What a malformed event may still tell: where its placeholder is.
const LocationSchema = z.object({
  assistant: AssistantSchema,
  projectId: z.number().int(),
  noteableType: z.enum(["Issue", "MergeRequest"]),
  noteableIid: z.number().int(),
  noteId: z.number().int().nullable(),
  trigger: z.object({ key: z.string() }).optional(),
  placeholderNoteId: z.number().int(),
  authorUsername: z.string().optional(),
});

/** Parses an event's JSON; throws EventInputError naming the variable and the first bad field. */
export function decodeEvent(text: string, variable: EventSourceName): BridgeEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EventInputError(
      `${variable} is not valid JSON; it should hold the event the webhook receiver sent.`,
    );
  }
  const parsed = BridgeEventSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "the event";
    return `${field}: ${issue.message}`;
  });
  const location = LocationSchema.safeParse(json);
  throw new EventInputError(
    `${variable} is not a valid agent-bridge event (${issues.join("; ")}). The webhook receiver and the job may be different versions of agent-bridge.`,
    location.success ? locationOf(location.data) : undefined,
  );
}

function locationOf(data: z.infer<typeof LocationSchema>): PlaceholderLocation {
  return {
    ref: {
      projectId: data.projectId,
      noteableType: data.noteableType,
      noteableIid: data.noteableIid,
      noteId: data.placeholderNoteId,
    },
    assistant: data.assistant,
    triggerNoteId: data.noteId,
    ...(data.trigger !== undefined ? { triggerKey: data.trigger.key } : {}),
    ...(data.authorUsername !== undefined ? { askedBy: data.authorUsername } : {}),
  };
}

/** Where the event's placeholder is. */
export function placeholderLocation(event: BridgeEvent): PlaceholderLocation {
  return locationOf(event);
}

/**
 * TRIGGER_PAYLOAD as GitLab sets it: the path of a file holding the webhook's JSON (a file-type variable);
 * the JSON itself is accepted too. Anything but a note on an issue or merge request is nothing to do.
 */
export async function readTriggerPayload(
  value: string,
  readFile: (path: string) => Promise<string>,
): Promise<{ hook: NoteHook } | { skip: string }> {
  let text = value.trim();
  if (!text.startsWith("{")) {
    try {
      text = await readFile(text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new EventInputError(`TRIGGER_PAYLOAD names a file that cannot be read (${code}).`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EventInputError("TRIGGER_PAYLOAD is not valid JSON; it should be a GitLab webhook payload.");
  }
  const kind =
    typeof json === "object" && json !== null ? (json as { object_kind?: unknown }).object_kind : undefined;
  if (kind !== "note") {
    return {
      skip: `TRIGGER_PAYLOAD is not a comment event (object_kind ${typeof kind === "string" ? clip(kind) : "missing"})`,
    };
  }
  const noteableType = (json as { object_attributes?: { noteable_type?: unknown } }).object_attributes
    ?.noteable_type;
  if (noteableType !== "Issue" && noteableType !== "MergeRequest") {
    return {
      skip: `notes on ${typeof noteableType === "string" ? clip(noteableType) : "this"} are not handled`,
    };
  }
  const parsed = NoteHookSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join(".") : "the payload";
    throw new EventInputError(
      `TRIGGER_PAYLOAD is not a valid Note Hook (${field}: ${issue?.message ?? "invalid"}).`,
    );
  }
  return { hook: parsed.data };
}

function clip(text: string): string {
  return text.replace(/[^\w .:-]/g, "").slice(0, 40);
}
