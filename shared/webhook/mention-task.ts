// What the receiver hands off once a delivery is verified and names a mention: ids to read back from GitLab,
// never the note's text. The worker (worker.ts) trusts none of it beyond where to look: the note, its author
// and the project are read from GitLab by these ids. JSON, so it travels as an SQS or Pub/Sub message too.
// Two kinds: a note's mention (no `kind`, as tasks always were, so tasks queued by an older receiver still
// run) and a change of an issue or merge request (`kind: "issuable"`, issuable-worker.ts).
// zod/mini: the receiver encodes it (shared/config/env-values.ts says why).
import * as z from "zod/mini";
import { ISSUABLE_TRIGGER_KINDS } from "../config/webhook-settings.ts";
import { AssistantSchema } from "../gitlab/assistant.ts";
import { INSTANCE_SCOPE, SecretScopeSchema } from "./scoped-secrets.ts";
import { TRIGGER_KEY_PATTERN } from "../placeholder/marker.ts";

export const NoteTaskSchema = z.object({
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
export type NoteTask = z.infer<typeof NoteTaskSchema>;

/** A change of an issue or merge request that the payload says summons (issuable-policy.ts's decision). */
export const IssuableTaskSchema = z.object({
  v: z.literal(1),
  kind: z.literal("issuable"),
  projectId: z.int(),
  noteableType: z.enum(["Issue", "MergeRequest"]),
  noteableIid: z.int(),
  action: z.enum(["open", "update"]),
  /** Who caused the change (the hook's `user`): the access checks are theirs; on open, GitLab's author must agree. */
  authorId: z.int(),
  /** The change's identity: what the placeholders' markers carry, so a redelivery finds them. */
  triggerKey: z.string().check(z.regex(TRIGGER_KEY_PATTERN)),
  /** What the payload asked for; each is checked again on GitLab's issue or merge request. */
  runs: z
    .array(
      z.object({
        assistant: AssistantSchema,
        kind: z.enum(ISSUABLE_TRIGGER_KINDS),
        userId: z.optional(z.int()),
        /** The payload's username of that assignee or reviewer (an alias names the assistant). */
        username: z.optional(z.string()),
        label: z.optional(z.string()),
      }),
    )
    .check(z.minLength(1)),
  confidential: z.boolean(),
  eventUuid: z.nullable(z.string()),
  idempotencyKey: z.nullable(z.string()),
  receivedAt: z.number(),
  source: z.literal("webhook"),
  /** What the delivery's secret opens (scoped-secrets.ts), checked against the project GitLab returns. */
  scope: z._default(SecretScopeSchema, INSTANCE_SCOPE),
});
export type IssuableTask = z.infer<typeof IssuableTaskSchema>;

export const MentionTaskSchema = z.union([IssuableTaskSchema, NoteTaskSchema]);
export type MentionTask = z.infer<typeof MentionTaskSchema>;

export function encodeMentionTask(task: MentionTask): string {
  return JSON.stringify(MentionTaskSchema.parse(task));
}

/** Throws a ZodError or SyntaxError when the text is not a task. */
export function decodeMentionTask(text: string): MentionTask {
  return MentionTaskSchema.parse(JSON.parse(text));
}

/** The task's identity: one note, or one change of an issue or merge request, whatever delivered it. */
export function taskKey(task: MentionTask): string {
  return "kind" in task ? `${task.projectId}:${task.triggerKey}` : `${task.projectId}:${task.noteId}`;
}
