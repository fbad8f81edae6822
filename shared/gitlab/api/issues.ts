// An issue, as the job's context reads it, and the one setup opens for its test mention.
// https://docs.gitlab.com/api/issues/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route, withSignal } from "./route.ts";
import { LabelsSchema, text, UserRefSchema } from "./schema-helpers.ts";

export const IssueSchema = z.object({
  iid: z.number().int(),
  title: z.string(),
  description: text,
  state: z.string(),
  labels: LabelsSchema,
  author: UserRefSchema.nullish(),
  assignees: z.array(UserRefSchema).nullish(),
  updated_at: z.string().nullish(),
  web_url: z.string(),
  confidential: z.boolean().nullish(),
  user_notes_count: z.number().int().nullish(),
});
export type IssueAnswer = z.infer<typeof IssueSchema>;

const ISSUE = route("GET", "/projects/:id/issues/:issue_iid", "issues/#single-project-issue");

export function getIssue(
  gl: GitLabRequester,
  projectId: number | string,
  iid: number,
  signal?: AbortSignal,
): Promise<IssueAnswer> {
  return call(gl, ISSUE, { id: projectId, issue_iid: iid }, { schema: IssueSchema, ...withSignal(signal) });
}

const IssueRefSchema = z.object({ iid: z.number().int(), web_url: z.string().nullish() });
const CREATE_ISSUE = route("POST", "/projects/:id/issues", "issues/#new-issue");

export function createIssue(
  gl: GitLabRequester,
  projectId: number,
  issue: { title: string; description: string },
): Promise<z.infer<typeof IssueRefSchema>> {
  return call(gl, CREATE_ISSUE, { id: projectId }, { json: issue, schema: IssueRefSchema });
}
