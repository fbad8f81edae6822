// Zod schemas of GitLab's Note Hook payload (comments on issues, merge requests, commits and snippets).
// Lenient where GitLab is loose: unknown fields are dropped, optional and nullable fields accepted as GitLab
// sends them (older versions omit `action`, `type`, `discussion_id`, `internal`). Strict only on what the
// bridge decides with. The sandbox's tests check the payloads it sends against these same schemas.
// Fields: https://docs.gitlab.com/user/project/integrations/webhook_events/#comment-events
// and GitLab's Note::SAFE_HOOK_ATTRIBUTES. This module must never read anything but its argument.
import { z } from "zod";

/** The kinds of things a note can be attached to that a project hook reports. */
export const NOTEABLE_TYPES = ["Issue", "MergeRequest", "Commit", "Snippet"] as const;
export const NoteableTypeSchema = z.enum(NOTEABLE_TYPES);
export type NoteableType = z.infer<typeof NoteableTypeSchema>;

/** null: a plain note; DiscussionNote: a note in a thread; DiffNote: a comment on a diff line. */
export const NoteTypeSchema = z.enum(["DiscussionNote", "DiffNote"]).nullable();
export type NoteType = z.infer<typeof NoteTypeSchema>;

const sha = z.string().nullish();
const lineNumber = z.number().int().nullish();

const LinePointSchema = z.object({
  line_code: z.string().nullish(),
  type: z.string().nullish(),
  old_line: lineNumber,
  new_line: lineNumber,
});

/** Where a DiffNote sits in the diff; every field is null on notes that are not on a diff. */
export const NotePositionSchema = z.object({
  base_sha: sha,
  start_sha: sha,
  head_sha: sha,
  old_path: z.string().nullish(),
  new_path: z.string().nullish(),
  position_type: z.string().nullish(),
  old_line: lineNumber,
  new_line: lineNumber,
  line_range: z.object({ start: LinePointSchema.nullish(), end: LinePointSchema.nullish() }).nullish(),
});
export type NotePosition = z.infer<typeof NotePositionSchema>;

export const HookUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string().nullish(),
  // GitLab sends "[REDACTED]" here on newer versions: never validate it as an address.
  email: z.string().nullish(),
  avatar_url: z.string().nullish(),
});
export type HookUser = z.infer<typeof HookUserSchema>;

export const HookProjectSchema = z.object({
  // Missing on the nested merge_request.source/target of older payloads, so optional in general and
  // required on the top-level project below.
  id: z.number().int().optional(),
  name: z.string().nullish(),
  path_with_namespace: z.string(),
  web_url: z.string(),
  // null for a project whose repository is still empty.
  default_branch: z.string().nullish(),
  git_http_url: z.string().nullish(),
  git_ssh_url: z.string().nullish(),
  namespace: z.string().nullish(),
  visibility_level: z.number().int().nullish(),
  ci_config_path: z.string().nullish(),
});
export type HookProject = z.infer<typeof HookProjectSchema>;

export const NoteAttributesSchema = z.object({
  id: z.number().int(),
  note: z.string(),
  noteable_type: NoteableTypeSchema,
  author_id: z.number().int(),
  // create | update since GitLab 16.11; missing on older versions, which means create.
  action: z.enum(["create", "update"]).optional(),
  type: NoteTypeSchema.optional(),
  discussion_id: z.string().nullish(),
  system: z.boolean().nullish(),
  internal: z.boolean().nullish(),
  // The pre-"internal" name of the same flag, still sent by some versions.
  confidential: z.boolean().nullish(),
  noteable_id: z.number().int().nullish(),
  project_id: z.number().int().nullish(),
  commit_id: z.string().nullish(),
  line_code: z.string().nullish(),
  attachment: z.string().nullish(),
  st_diff: z.unknown().optional(),
  position: NotePositionSchema.nullish(),
  original_position: NotePositionSchema.nullish(),
  change_position: NotePositionSchema.nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  updated_by_id: z.number().int().nullish(),
  resolved_at: z.string().nullish(),
  resolved_by_id: z.number().int().nullish(),
  resolved_by_push: z.boolean().nullish(),
  description: z.string().nullish(),
  url: z.string().nullish(),
});
export type NoteAttributes = z.infer<typeof NoteAttributesSchema>;

export const HookIssueSchema = z.object({
  id: z.number().int(),
  iid: z.number().int(),
  title: z.string().nullish(),
  description: z.string().nullish(),
  state: z.string().nullish(),
  confidential: z.boolean().nullish(),
  author_id: z.number().int().nullish(),
  project_id: z.number().int().nullish(),
  url: z.string().nullish(),
});
export type HookIssue = z.infer<typeof HookIssueSchema>;

export const HookMergeRequestSchema = z.object({
  id: z.number().int(),
  iid: z.number().int(),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
  title: z.string().nullish(),
  description: z.string().nullish(),
  state: z.string().nullish(),
  draft: z.boolean().nullish(),
  work_in_progress: z.boolean().nullish(),
  detailed_merge_status: z.string().nullish(),
  merge_status: z.string().nullish(),
  author_id: z.number().int().nullish(),
  url: z.string().nullish(),
  last_commit: z
    .object({ id: z.string(), message: z.string().nullish(), url: z.string().nullish() })
    .nullish(),
  source: HookProjectSchema.nullish(),
  target: HookProjectSchema.nullish(),
});
export type HookMergeRequest = z.infer<typeof HookMergeRequestSchema>;

export const NoteHookSchema = z
  .object({
    object_kind: z.literal("note"),
    // Absent on old versions; "confidential_note" for notes on confidential issues and internal notes.
    event_type: z.enum(["note", "confidential_note"]).optional(),
    user: HookUserSchema,
    project_id: z.number().int(),
    project: HookProjectSchema.extend({ id: z.number().int() }),
    object_attributes: NoteAttributesSchema,
    issue: HookIssueSchema.nullish(),
    merge_request: HookMergeRequestSchema.nullish(),
    commit: z.object({ id: z.string() }).nullish(),
    snippet: z.object({ id: z.number().int() }).nullish(),
  })
  .superRefine((hook, ctx) => {
    // The iid for API paths comes from the noteable object, so it must be there for the types we act on.
    const type = hook.object_attributes.noteable_type;
    if (type === "Issue" && !hook.issue) {
      ctx.addIssue({ code: "custom", path: ["issue"], message: "required when noteable_type is Issue" });
    }
    if (type === "MergeRequest" && !hook.merge_request) {
      ctx.addIssue({
        code: "custom",
        path: ["merge_request"],
        message: "required when noteable_type is MergeRequest",
      });
    }
  });
export type NoteHook = z.infer<typeof NoteHookSchema>;

/** The X-Gitlab-Event values that carry a Note Hook payload. */
export const NOTE_HOOK_EVENTS = ["Note Hook", "Confidential Note Hook"] as const;
