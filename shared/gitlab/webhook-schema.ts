// Zod schemas of GitLab's Note Hook payload (comments on issues, merge requests, commits and snippets).
// Lenient where GitLab is loose: unknown fields are dropped, optional and nullable fields accepted as GitLab
// sends them (older versions omit `action`, `type`, `discussion_id`, `internal`). Strict only on what the
// bridge decides with. The sandbox's tests check the payloads it sends against these same schemas.
// Fields: https://docs.gitlab.com/user/project/integrations/webhook_events/#comment-events
// and GitLab's Note::SAFE_HOOK_ATTRIBUTES. This module must never read anything but its argument.
// zod/mini: the webhook receiver parses every delivery with it (shared/config/env-values.ts says why).
import * as z from "zod/mini";

/** The kinds of things a note can be attached to that a project hook reports. */
export const NOTEABLE_TYPES = ["Issue", "MergeRequest", "Commit", "Snippet"] as const;
export const NoteableTypeSchema = z.enum(NOTEABLE_TYPES);
export type NoteableType = z.infer<typeof NoteableTypeSchema>;

/** null: a plain note; DiscussionNote: a note in a thread; DiffNote: a comment on a diff line. */
export const NoteTypeSchema = z.nullable(z.enum(["DiscussionNote", "DiffNote"]));
export type NoteType = z.infer<typeof NoteTypeSchema>;

const sha = z.nullish(z.string());
const lineNumber = z.nullish(z.int());

const LinePointSchema = z.object({
  line_code: z.nullish(z.string()),
  type: z.nullish(z.string()),
  old_line: lineNumber,
  new_line: lineNumber,
});

/** Where a DiffNote sits in the diff; every field is null on notes that are not on a diff. */
export const NotePositionSchema = z.object({
  base_sha: sha,
  start_sha: sha,
  head_sha: sha,
  old_path: z.nullish(z.string()),
  new_path: z.nullish(z.string()),
  position_type: z.nullish(z.string()),
  old_line: lineNumber,
  new_line: lineNumber,
  line_range: z.nullish(z.object({ start: z.nullish(LinePointSchema), end: z.nullish(LinePointSchema) })),
});
export type NotePosition = z.infer<typeof NotePositionSchema>;

export const HookUserSchema = z.object({
  id: z.int(),
  username: z.string(),
  name: z.nullish(z.string()),
  // GitLab sends "[REDACTED]" here on newer versions: never validate it as an address.
  email: z.nullish(z.string()),
  avatar_url: z.nullish(z.string()),
});
export type HookUser = z.infer<typeof HookUserSchema>;

export const HookProjectSchema = z.object({
  // Missing on the nested merge_request.source/target of older payloads, so optional in general and
  // required on the top-level project below.
  id: z.optional(z.int()),
  name: z.nullish(z.string()),
  path_with_namespace: z.string(),
  web_url: z.string(),
  // null for a project whose repository is still empty.
  default_branch: z.nullish(z.string()),
  git_http_url: z.nullish(z.string()),
  git_ssh_url: z.nullish(z.string()),
  namespace: z.nullish(z.string()),
  visibility_level: z.nullish(z.int()),
  ci_config_path: z.nullish(z.string()),
});
export type HookProject = z.infer<typeof HookProjectSchema>;

export const NoteAttributesSchema = z.object({
  id: z.int(),
  note: z.string(),
  noteable_type: NoteableTypeSchema,
  author_id: z.int(),
  // create | update since GitLab 16.11; missing on older versions, which means create.
  action: z.optional(z.enum(["create", "update"])),
  type: z.optional(NoteTypeSchema),
  discussion_id: z.nullish(z.string()),
  system: z.nullish(z.boolean()),
  internal: z.nullish(z.boolean()),
  // The pre-"internal" name of the same flag, still sent by some versions.
  confidential: z.nullish(z.boolean()),
  noteable_id: z.nullish(z.int()),
  project_id: z.nullish(z.int()),
  commit_id: z.nullish(z.string()),
  line_code: z.nullish(z.string()),
  attachment: z.nullish(z.string()),
  st_diff: z.optional(z.unknown()),
  position: z.nullish(NotePositionSchema),
  original_position: z.nullish(NotePositionSchema),
  change_position: z.nullish(NotePositionSchema),
  created_at: z.nullish(z.string()),
  updated_at: z.nullish(z.string()),
  updated_by_id: z.nullish(z.int()),
  resolved_at: z.nullish(z.string()),
  resolved_by_id: z.nullish(z.int()),
  resolved_by_push: z.nullish(z.boolean()),
  description: z.nullish(z.string()),
  url: z.nullish(z.string()),
});
export type NoteAttributes = z.infer<typeof NoteAttributesSchema>;

export const HookIssueSchema = z.object({
  id: z.int(),
  iid: z.int(),
  title: z.nullish(z.string()),
  description: z.nullish(z.string()),
  state: z.nullish(z.string()),
  confidential: z.nullish(z.boolean()),
  author_id: z.nullish(z.int()),
  project_id: z.nullish(z.int()),
  url: z.nullish(z.string()),
});
export type HookIssue = z.infer<typeof HookIssueSchema>;

export const HookMergeRequestSchema = z.object({
  id: z.int(),
  iid: z.int(),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: z.int(),
  target_project_id: z.int(),
  title: z.nullish(z.string()),
  description: z.nullish(z.string()),
  state: z.nullish(z.string()),
  draft: z.nullish(z.boolean()),
  work_in_progress: z.nullish(z.boolean()),
  detailed_merge_status: z.nullish(z.string()),
  merge_status: z.nullish(z.string()),
  author_id: z.nullish(z.int()),
  url: z.nullish(z.string()),
  last_commit: z.nullish(
    z.object({ id: z.string(), message: z.nullish(z.string()), url: z.nullish(z.string()) }),
  ),
  source: z.nullish(HookProjectSchema),
  target: z.nullish(HookProjectSchema),
});
export type HookMergeRequest = z.infer<typeof HookMergeRequestSchema>;

export const NoteHookSchema = z
  .object({
    object_kind: z.literal("note"),
    // Absent on old versions; "confidential_note" for notes on confidential issues and internal notes.
    event_type: z.optional(z.enum(["note", "confidential_note"])),
    user: HookUserSchema,
    project_id: z.int(),
    project: z.extend(HookProjectSchema, { id: z.int() }),
    object_attributes: NoteAttributesSchema,
    issue: z.nullish(HookIssueSchema),
    merge_request: z.nullish(HookMergeRequestSchema),
    commit: z.nullish(z.object({ id: z.string() })),
    snippet: z.nullish(z.object({ id: z.int() })),
  })
  .check(
    z.superRefine((hook, ctx) => {
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
    }),
  );
export type NoteHook = z.infer<typeof NoteHookSchema>;

/** The X-Gitlab-Event values that carry a Note Hook payload. */
export const NOTE_HOOK_EVENTS = ["Note Hook", "Confidential Note Hook"] as const;
