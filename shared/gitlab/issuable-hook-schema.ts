// Zod schemas of GitLab's Issue Hook (and Confidential Issue Hook) and Merge Request Hook payloads, for the
// triggers that are not comments: a mention in a new or edited title or description, the bot assigned or asked
// to review, a label added, a merge request opened or marked ready. Lenient where GitLab is loose (unknown
// fields dropped, old versions' omissions accepted), strict on what the bridge decides with. The body is
// Gitlab::DataBuilder::Issuable#build; `changes` holds {previous, current} for each changed attribute.
// https://docs.gitlab.com/user/project/integrations/webhook_events/#issue-events and #merge-request-events.
// The sandbox's tests check the payloads it sends against these same schemas. Reads nothing but its argument.
import { z } from "zod";
import { HookMergeRequestSchema, HookProjectSchema, HookUserSchema } from "./webhook-schema.ts";

export const HookLabelSchema = z.object({ id: z.number().int().nullish(), title: z.string() });
export type HookLabel = z.infer<typeof HookLabelSchema>;

/** One changed attribute; `previous` is null (or absent) on a newly created record. */
const change = <T extends z.core.$ZodType>(value: T) =>
  z.object({ previous: z.nullish(value), current: z.nullish(value) });

export const IssuableChangesSchema = z.object({
  title: change(z.string()).optional(),
  description: change(z.string()).optional(),
  labels: change(z.array(HookLabelSchema)).optional(),
  assignees: change(z.array(HookUserSchema)).optional(),
  reviewers: change(z.array(HookUserSchema)).optional(),
  draft: change(z.boolean()).optional(),
  state_id: change(z.number().int()).optional(),
  // A time as GitLab's hooks write it ("2026-12-08 02:00:00 UTC"): with the action, what tells two edits apart.
  updated_at: change(z.string()).optional(),
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
  id: z.number().int(),
  iid: z.number().int(),
  title: z.string(),
  description: z.string().nullish(),
  state: z.string().nullish(),
  confidential: z.boolean().nullish(),
  author_id: z.number().int(),
  project_id: z.number().int().nullish(),
  assignee_ids: z.array(z.number().int()).nullish(),
  url: z.string().nullish(),
  updated_at: z.string().nullish(),
  action: z.enum(ISSUABLE_ACTIONS).optional(),
});

const common = {
  user: HookUserSchema,
  project: z.object({ ...HookProjectSchema.shape, id: z.number().int() }),
  labels: z.array(HookLabelSchema).nullish(),
  // GitLab sends [] (not {}) when nothing changed on some versions.
  changes: z.preprocess((v) => (Array.isArray(v) || v == null ? {} : v), IssuableChangesSchema),
  assignees: z.array(HookUserSchema).nullish(),
};

export const IssueHookSchema = z.object({
  object_kind: z.literal("issue"),
  event_type: z.enum(["issue", "confidential_issue"]).optional(),
  ...common,
  object_attributes: IssueAttributesSchema,
});
export type IssueHook = z.infer<typeof IssueHookSchema>;

export const MergeRequestHookSchema = z.object({
  object_kind: z.literal("merge_request"),
  event_type: z.literal("merge_request").optional(),
  ...common,
  reviewers: z.array(HookUserSchema).nullish(),
  object_attributes: z.object({
    ...HookMergeRequestSchema.shape,
    author_id: z.number().int(),
    action: z.enum(ISSUABLE_ACTIONS).optional(),
    // Set on an update caused by a push: the source branch's head before it.
    oldrev: z.string().nullish(),
    assignee_ids: z.array(z.number().int()).nullish(),
    reviewer_ids: z.array(z.number().int()).nullish(),
    updated_at: z.string().nullish(),
  }),
});
export type MergeRequestHook = z.infer<typeof MergeRequestHookSchema>;

/** The X-Gitlab-Event values that carry these payloads. */
export const ISSUE_HOOK_EVENTS = ["Issue Hook", "Confidential Issue Hook"] as const;
export const MERGE_REQUEST_HOOK_EVENT = "Merge Request Hook";
