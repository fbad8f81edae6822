// The event a pipeline carries from the webhook to the job: which note asked which assistant, where to
// answer, which placeholder to finalize. Compact JSON in the AGENT_BRIDGE_EVENT variable (or the
// agent_bridge_event pipeline input). The job parses it with the same schema.
import { z } from "zod";
import { AssistantSchema } from "../gitlab/assistant.ts";

export const BridgeEventSchema = z.object({
  assistant: AssistantSchema,
  projectId: z.number().int(),
  projectPath: z.string(),
  noteableType: z.enum(["Issue", "MergeRequest"]),
  noteableIid: z.number().int(),
  noteId: z.number().int(),
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
