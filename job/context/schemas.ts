// Lenient zod schemas of the GitLab answers the job's context reads: issues, merge requests, threads
// (discussions), diffs, pipelines and jobs. Only the fields the context uses; unknown fields dropped; in a
// list, an entry that does not parse is dropped rather than failing the whole page, so one odd note never
// costs the agent its context. https://docs.gitlab.com/api/rest/
import { z } from "zod";

/** A list whose malformed entries are dropped (renovate's LooseArray). */
export function looseArray<T extends z.ZodType>(item: T): z.ZodType<z.infer<T>[]> {
  return z.array(z.unknown()).transform((entries) =>
    entries.flatMap((entry) => {
      const parsed = item.safeParse(entry);
      return parsed.success ? [parsed.data as z.infer<T>] : [];
    }),
  );
}

const text = z
  .string()
  .nullish()
  .transform((value) => value ?? "");

const UserRefSchema = z.object({ id: z.number().int().nullish(), username: z.string() });

// Labels are names, or objects with `with_labels_details=true`.
const LabelsSchema = z
  .array(z.union([z.string(), z.object({ name: z.string() }).transform((label) => label.name)]))
  .nullish()
  .transform((labels) => labels ?? []);

/** GET /projects/:id/issues/:iid https://docs.gitlab.com/api/issues/#single-project-issue */
export const IssueSchema = z.object({
  iid: z.number().int(),
  title: z.string(),
  description: text,
  state: z.string(),
  labels: LabelsSchema,
  author: UserRefSchema.nullish(),
  web_url: z.string(),
  confidential: z.boolean().nullish(),
  user_notes_count: z.number().int().nullish(),
});
export type IssueAnswer = z.infer<typeof IssueSchema>;

const PipelineRefSchema = z.object({
  id: z.number().int(),
  project_id: z.number().int().nullish(),
  status: z.string(),
  sha: z.string().nullish(),
  ref: z.string().nullish(),
  web_url: z.string().nullish(),
});
export type PipelineRef = z.infer<typeof PipelineRefSchema>;

/** GET /projects/:id/merge_requests/:iid https://docs.gitlab.com/api/merge_requests/#get-single-mr */
export const MergeRequestSchema = z.object({
  iid: z.number().int(),
  title: z.string(),
  description: text,
  state: z.string(),
  labels: LabelsSchema,
  author: UserRefSchema.nullish(),
  web_url: z.string(),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
  draft: z.boolean().nullish(),
  sha: z.string().nullish(),
  diff_refs: z
    .object({
      base_sha: z.string().nullish(),
      head_sha: z.string().nullish(),
      start_sha: z.string().nullish(),
    })
    .nullish(),
  head_pipeline: PipelineRefSchema.nullish(),
  // A string: "300", or "1000+" when GitLab stopped counting.
  changes_count: z.union([z.string(), z.number()]).nullish(),
  user_notes_count: z.number().int().nullish(),
});
export type MergeRequestAnswer = z.infer<typeof MergeRequestSchema>;

const LinePointSchema = z.object({
  old_line: z.number().int().nullish(),
  new_line: z.number().int().nullish(),
});

export const PositionSchema = z.object({
  base_sha: z.string().nullish(),
  start_sha: z.string().nullish(),
  head_sha: z.string().nullish(),
  old_path: z.string().nullish(),
  new_path: z.string().nullish(),
  position_type: z.string().nullish(),
  old_line: z.number().int().nullish(),
  new_line: z.number().int().nullish(),
  line_range: z.object({ start: LinePointSchema.nullish(), end: LinePointSchema.nullish() }).nullish(),
});
export type PositionAnswer = z.infer<typeof PositionSchema>;

/** A note as the notes and discussions endpoints answer it, with what threads and diff notes add. */
export const ThreadNoteSchema = z.object({
  id: z.number().int(),
  type: z.string().nullish(),
  body: text,
  author: UserRefSchema,
  created_at: z.string(),
  updated_at: z.string().nullish(),
  system: z.boolean().nullish(),
  internal: z.boolean().nullish(),
  confidential: z.boolean().nullish(),
  resolvable: z.boolean().nullish(),
  resolved: z.boolean().nullish(),
  resolved_at: z.string().nullish(),
  resolved_by: z.object({ username: z.string() }).nullish(),
  position: PositionSchema.nullish(),
});
export type ThreadNote = z.infer<typeof ThreadNoteSchema>;

/** GET .../discussions[/:id] https://docs.gitlab.com/api/discussions/ */
export const DiscussionSchema = z.object({
  id: z.string(),
  individual_note: z.boolean().nullish(),
  notes: looseArray(ThreadNoteSchema),
});
export type Discussion = z.infer<typeof DiscussionSchema>;
export const DiscussionListSchema = looseArray(DiscussionSchema);

/** GET .../merge_requests/:iid/diffs https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs */
export const FileDiffSchema = z.object({
  old_path: z.string(),
  new_path: z.string(),
  new_file: z.boolean().nullish(),
  renamed_file: z.boolean().nullish(),
  deleted_file: z.boolean().nullish(),
  diff: text,
  too_large: z.boolean().nullish(),
  collapsed: z.boolean().nullish(),
});
export type FileDiffAnswer = z.infer<typeof FileDiffSchema>;
export const FileDiffListSchema = looseArray(FileDiffSchema);

/** GET /projects/:id/pipelines?ref= https://docs.gitlab.com/api/pipelines/#list-project-pipelines */
export const PipelineListSchema = looseArray(PipelineRefSchema);

/** GET /projects/:id/pipelines/:pipeline_id/jobs https://docs.gitlab.com/api/jobs/#list-pipeline-jobs */
export const JobSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  stage: z.string().nullish(),
  status: z.string(),
  allow_failure: z.boolean().nullish(),
  failure_reason: z.string().nullish(),
  web_url: z.string().nullish(),
});
export type JobAnswer = z.infer<typeof JobSchema>;
export const JobListSchema = looseArray(JobSchema);
