// The event a pipeline carries from the webhook to the job: which note asked which assistant, where to
// answer, which placeholder to finalize. Compact JSON in the AGENT_BRIDGE_EVENT variable (or the
// agent_bridge_event pipeline input). The job parses it with the same schema.
import { z } from "zod";
import { ISSUABLE_TRIGGER_KINDS } from "../config/webhook-settings.ts";
import { AssistantSchema } from "../gitlab/assistant.ts";
import { TRIGGER_KEY_PATTERN } from "../placeholder/marker.ts";

/**
 * A run no note asked for: the issue or merge request itself is the task. mention: its title or description
 * mentions the assistant; assignee: the bot was assigned ("work on this"); reviewer: asked to review a
 * merge request; label: a trigger label was added. The job reads the issue or merge request from GitLab.
 */
export const IssuableTriggerSchema = z.object({
  kind: z.enum(ISSUABLE_TRIGGER_KINDS),
  /** The change's identity (issuable-policy.ts), kept in the placeholder's marker. */
  key: z.string().regex(TRIGGER_KEY_PATTERN),
  /** The trigger label that was added (kind label). */
  label: z.string().optional(),
});
export type IssuableTrigger = z.infer<typeof IssuableTriggerSchema>;

export const BridgeEventSchema = z.object({
  assistant: AssistantSchema,
  projectId: z.number().int(),
  projectPath: z.string(),
  noteableType: z.enum(["Issue", "MergeRequest"]),
  noteableIid: z.number().int(),
  /** The note that asked; null when a change of the issue or merge request did (then `trigger` says which). */
  noteId: z.number().int().nullable(),
  trigger: IssuableTriggerSchema.optional(),
  /** The thread to answer in; null for a plain note. */
  discussionId: z.string().nullable(),
  placeholderNoteId: z.number().int(),
  authorId: z.number().int(),
  authorUsername: z.string(),
  /** Left out for confidential notes: the job reads the note itself. */
  instruction: z.string().optional(),
  /** An internal note or a note on a confidential issue: whatever the job posts must stay as private. */
  confidential: z.boolean(),
});
export type BridgeEvent = z.infer<typeof BridgeEventSchema>;

/** The CI/CD variable and pipeline input names the event travels in. */
export const BRIDGE_EVENT_VARIABLE = "AGENT_BRIDGE_EVENT";
export const BRIDGE_EVENT_INPUT = "agent_bridge_event";

export function encodeBridgeEvent(event: BridgeEvent): string {
  return JSON.stringify(BridgeEventSchema.parse(event));
}
