// What the receiver hands off once a delivery is verified and names a mention: ids to read back from GitLab,
// never the note's text. The worker (worker.ts) trusts none of it beyond where to look: the note, its author
// and the project are read from GitLab by these ids. JSON, so it travels as an SQS or Pub/Sub message too.
// zod/mini: the receiver encodes it (shared/config/env-values.ts says why).
import * as z from "zod/mini";
import { AssistantSchema } from "../gitlab/assistant.ts";
import { INSTANCE_SCOPE, SecretScopeSchema } from "./scoped-secrets.ts";

export const MentionTaskSchema = z.object({
  v: z.literal(1),
  projectId: z.int(),
  noteableType: z.enum(["Issue", "MergeRequest"]),
  noteableIid: z.int(),
  noteId: z.int(),
  /** Who the delivery says wrote the note: the member check starts on it, and GitLab's note must agree. */
  authorId: z.int(),
  /** The assistants the delivery's text named: what a recovered claim compares its placeholders with. */
  assistants: z.array(AssistantSchema),
  /** Where to answer: the thread of a reply or diff note (placement only; nothing is decided on it). */
  discussionId: z.nullable(z.string()),
  /** The delivery said confidential (an internal note, a confidential issue): can only make runs more private. */
  confidential: z.boolean(),
  eventUuid: z.nullable(z.string()),
  idempotencyKey: z.nullable(z.string()),
  /** Epoch ms when the receiver took it, or when the sweep found it. */
  receivedAt: z.number(),
  source: z.enum(["webhook", "sweep"]),
  /**
   * What the delivery's secret opens: every project (the shared secret, the sweep), one project, or one
   * group, which the worker checks against the project GitLab returns. A task queued before scopes existed
   * was verified with the shared secret.
   */
  scope: z._default(SecretScopeSchema, INSTANCE_SCOPE),
});
export type MentionTask = z.infer<typeof MentionTaskSchema>;

export function encodeMentionTask(task: MentionTask): string {
  return JSON.stringify(MentionTaskSchema.parse(task));
}

/** Throws a ZodError or SyntaxError when the text is not a task. */
export function decodeMentionTask(text: string): MentionTask {
  return MentionTaskSchema.parse(JSON.parse(text));
}

/** The task's identity: one note, whatever delivered it. */
export function taskKey(task: Pick<MentionTask, "projectId" | "noteId">): string {
  return `${task.projectId}:${task.noteId}`;
}
