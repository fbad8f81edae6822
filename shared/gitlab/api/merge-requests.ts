// Merge requests: the one the job was summoned on and its diffs (for the context), and the one the job opens
// for an issue's branch (created once, found again by its branches). https://docs.gitlab.com/api/merge_requests/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { PipelineSchema } from "./pipelines.ts";
import { call, route, withSignal } from "./route.ts";
import { LabelsSchema, looseArray, text, UserRefSchema } from "./schema-helpers.ts";

/** A merge request as GET /projects/:id/merge_requests[/:iid] and POST /projects/:id/merge_requests answer it. */
export const MergeRequestSchema = z.object({
  /** The global id (an automatic review's summary marker names the merge request by it). */
  id: z.number().int().nullish(),
  iid: z.number().int(),
  title: z.string(),
  description: text,
  state: z.string(),
  labels: LabelsSchema,
  author: UserRefSchema.nullish(),
  assignees: z.array(UserRefSchema).nullish(),
  reviewers: z.array(UserRefSchema).nullish(),
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
  head_pipeline: PipelineSchema.nullish(),
  // A string: "300", or "1000+" when GitLab stopped counting.
  changes_count: z.union([z.string(), z.number()]).nullish(),
  user_notes_count: z.number().int().nullish(),
});
export type MergeRequestAnswer = z.infer<typeof MergeRequestSchema>;

/** GET .../merge_requests/:iid/diffs */
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

const MERGE_REQUESTS = "/projects/:id/merge_requests";
const GET_MR = route("GET", `${MERGE_REQUESTS}/:merge_request_iid`, "merge_requests/#get-single-mr");
const LIST_DIFFS = route(
  "GET",
  `${MERGE_REQUESTS}/:merge_request_iid/diffs`,
  "merge_requests/#list-merge-request-diffs",
);
const APPROVALS = route(
  "GET",
  `${MERGE_REQUESTS}/:merge_request_iid/approvals`,
  "merge_request_approvals/#single-merge-request-approval-state",
);
const CREATE_MR = route("POST", MERGE_REQUESTS, "merge_requests/#create-mr");
const LIST_MRS = route("GET", MERGE_REQUESTS, "merge_requests/#list-project-merge-requests");

export function getMergeRequest(
  gl: GitLabRequester,
  projectId: number | string,
  iid: number,
  signal?: AbortSignal,
): Promise<MergeRequestAnswer> {
  return call(
    gl,
    GET_MR,
    { id: projectId, merge_request_iid: iid },
    { schema: MergeRequestSchema, ...withSignal(signal) },
  );
}

/** One page of a merge request's file diffs, malformed entries dropped. */
export function listMergeRequestDiffs(
  gl: GitLabRequester,
  projectId: number | string,
  iid: number,
  page: PageRequest,
): Promise<Page<FileDiffAnswer>> {
  const path = LIST_DIFFS.path({ id: projectId, merge_request_iid: iid });
  return getPage(gl, path, looseArray(FileDiffSchema), page);
}

const ApprovalsSchema = z.object({
  approved_by: z.array(z.object({ user: z.object({ id: z.number().int() }) })).nullish(),
});

/** The ids of the users whose approval of the merge request stands. */
export async function listMergeRequestApprovers(
  gl: GitLabRequester,
  projectId: number | string,
  iid: number,
): Promise<number[]> {
  const approvals = await call(
    gl,
    APPROVALS,
    { id: projectId, merge_request_iid: iid },
    { schema: ApprovalsSchema },
  );
  return (approvals.approved_by ?? []).map((approval) => approval.user.id);
}

export interface MergeRequestBranches {
  projectId: number | string;
  sourceBranch: string;
  targetBranch: string;
}

export function createMergeRequest(
  gl: GitLabRequester,
  input: MergeRequestBranches & { title: string; description: string; removeSourceBranch: boolean },
): Promise<MergeRequestAnswer> {
  return call(
    gl,
    CREATE_MR,
    { id: input.projectId },
    {
      json: {
        source_branch: input.sourceBranch,
        target_branch: input.targetBranch,
        title: input.title,
        description: input.description,
        remove_source_branch: input.removeSourceBranch,
      },
      schema: MergeRequestSchema,
    },
  );
}

/** The open merge requests from `sourceBranch` into `targetBranch` (the first 20). */
export function listOpenMergeRequests(
  gl: GitLabRequester,
  input: MergeRequestBranches,
): Promise<MergeRequestAnswer[]> {
  return call(
    gl,
    LIST_MRS,
    { id: input.projectId },
    {
      query: {
        state: "opened",
        source_branch: input.sourceBranch,
        target_branch: input.targetBranch,
        per_page: 20,
      },
      schema: z.array(MergeRequestSchema),
    },
  );
}

/** The open merge request from `sourceBranch`, whatever its target (setup's own branch). */
export function findOpenMergeRequestFrom(
  gl: GitLabRequester,
  projectId: number,
  sourceBranch: string,
): Promise<MergeRequestAnswer | undefined> {
  return call(
    gl,
    LIST_MRS,
    { id: projectId },
    { query: { state: "opened", source_branch: sourceBranch }, schema: z.array(MergeRequestSchema) },
  ).then((list) => list.find((mr) => mr.source_branch === sourceBranch));
}
