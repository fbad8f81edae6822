// CI jobs: a pipeline's failed jobs and where each one's log is read (as plain text, by the context's raw
// download, not by the JSON client). https://docs.gitlab.com/api/jobs/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route, withSignal } from "./route.ts";
import { looseArray } from "./schema-helpers.ts";

/** GET /projects/:id/pipelines/:pipeline_id/jobs */
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

const PIPELINE_JOBS = route("GET", "/projects/:id/pipelines/:pipeline_id/jobs", "jobs/#list-pipeline-jobs");
const JOB_LOG = route("GET", "/projects/:id/jobs/:job_id/trace", "jobs/#get-a-log-file");

/** A pipeline's failed jobs (the first 100). */
export function listFailedJobs(
  gl: GitLabRequester,
  projectId: number | string,
  pipelineId: number,
  signal?: AbortSignal,
): Promise<JobAnswer[]> {
  return call(
    gl,
    PIPELINE_JOBS,
    { id: projectId, pipeline_id: pipelineId },
    { query: { "scope[]": "failed", per_page: 100 }, schema: looseArray(JobSchema), ...withSignal(signal) },
  );
}

/** The API path of a job's log, for a raw (non-JSON) download. */
export function jobLogPath(projectId: number | string, jobId: number): string {
  return JOB_LOG.path({ id: projectId, job_id: jobId });
}
