// Zod schemas of GitLab's Issue Hook (and Confidential Issue Hook) and Merge Request Hook payloads, for the
// triggers that are not comments: a mention in a new or edited title or description, the bot assigned or asked
// to review, a label added, a merge request opened or marked ready. Lenient where GitLab is loose (unknown
// fields dropped, old versions' omissions accepted), strict on what the bridge decides with. The body is
// Gitlab::DataBuilder::Issuable#build; `changes` holds {previous, current} for each changed attribute.
// https://docs.gitlab.com/user/project/integrations/webhook_events/#issue-events and #merge-request-events.
// The sandbox's tests check the payloads it sends against these same schemas. Reads nothing but its argument.
// zod/mini: the webhook receiver parses these deliveries (shared/config/env-values.ts says why).
import * as z from "zod/mini";
import { HookMergeRequestSchema, HookProjectSchema, HookUserSchema } from "./webhook-schema.ts";

export const HookLabelSchema = z.object({ id: z.nullish(z.int()), title: z.string() });
export type HookLabel = z.infer<typeof HookLabelSchema>;

/** One changed attribute; `previous` is null (or absent) on a newly created record. */
const change = <T extends z.core.$ZodType>(value: T) =>
  z.optional(z.object({ previous: z.nullish(value), current: z.nullish(value) }));

export const IssuableChangesSchema = z.object({
  title: change(z.string()),
  description: change(z.string()),
  labels: change(z.array(HookLabelSchema)),
  assignees: change(z.array(HookUserSchema)),
  reviewers: change(z.array(HookUserSchema)),
  draft: change(z.boolean()),
  state_id: change(z.int()),
  // A time as GitLab's hooks write it ("2026-12-08 02:00:00 UTC"): with the action, what tells two edits apart.
  updated_at: change(z.string()),
});
export type IssuableChanges = z.infer<typeof IssuableChangesSchema>;

/** Issues::BaseService and MergeRequests::BaseService name the action; MRs add merge and approvals. */
export const ISSUABLE_ACTIONS = [
  "open",
  "update",
  "close",
  "reopen",
  "merge",
  "approved",
  "unapproved",
  "approval",
  "unapproval",
] as const;

const IssueAttributesSchema = z.object({
  id: z.int(),
  iid: z.int(),
  title: z.string(),
  description: z.nullish(z.string()),
  state: z.nullish(z.string()),
  confidential: z.nullish(z.boolean()),
  author_id: z.int(),
  project_id: z.nullish(z.int()),
  assignee_ids: z.nullish(z.array(z.int())),
  url: z.nullish(z.string()),
  updated_at: z.nullish(z.string()),
  action: z.optional(z.enum(ISSUABLE_ACTIONS)),
});

const common = {
  user: HookUserSchema,
  project: z.extend(HookProjectSchema, { id: z.int() }),
  labels: z.nullish(z.array(HookLabelSchema)),
  // GitLab sends [] (not {}) when nothing changed on some versions.
  changes: z.pipe(
    z.transform((v: unknown) => (Array.isArray(v) || v == null ? {} : v)),
    IssuableChangesSchema,
  ),
  assignees: z.nullish(z.array(HookUserSchema)),
};

export const IssueHookSchema = z.object({
  object_kind: z.literal("issue"),
  event_type: z.optional(z.enum(["issue", "confidential_issue"])),
  ...common,
  object_attributes: IssueAttributesSchema,
});
export type IssueHook = z.infer<typeof IssueHookSchema>;

export const MergeRequestHookSchema = z.object({
  object_kind: z.literal("merge_request"),
  event_type: z.optional(z.literal("merge_request")),
  ...common,
  reviewers: z.nullish(z.array(HookUserSchema)),
  object_attributes: z.extend(HookMergeRequestSchema, {
    author_id: z.int(),
    action: z.optional(z.enum(ISSUABLE_ACTIONS)),
    // Set on an update caused by a push: the source branch's head before it.
    oldrev: z.nullish(z.string()),
    assignee_ids: z.nullish(z.array(z.int())),
    reviewer_ids: z.nullish(z.array(z.int())),
    updated_at: z.nullish(z.string()),
  }),
});
export type MergeRequestHook = z.infer<typeof MergeRequestHookSchema>;

/** The X-Gitlab-Event values that carry these payloads. */
export const ISSUE_HOOK_EVENTS = ["Issue Hook", "Confidential Issue Hook"] as const;
export const MERGE_REQUEST_HOOK_EVENT = "Merge Request Hook";
