// The failed jobs of a merge request's pipeline and the end of their logs, so that "fix the failing
// pipeline" works: the head pipeline GitLab names, else the latest pipeline of the source branch.
// https://docs.gitlab.com/api/jobs/#list-pipeline-jobs https://docs.gitlab.com/api/jobs/#get-a-log-file
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { jobLogPath, listFailedJobs } from "../../shared/gitlab/api/jobs.ts";
import type { MergeRequestAnswer } from "../../shared/gitlab/api/merge-requests.ts";
import { latestPipelineOf, type Pipeline } from "../../shared/gitlab/api/pipelines.ts";
import type { FailedJob, PipelineFacts } from "./compose.ts";
import { rawGet, type RawAccess } from "./raw-download.ts";
import { sanitizeLine, sanitizeLog } from "./sanitize.ts";

export interface PipelineFailureOptions {
  gitlab: GitLabRequester;
  raw: RawAccess;
  mergeRequest: MergeRequestAnswer;
  /** The target project (where the merge request lives). */
  projectId: number;
  /** Logs read at most; other failed jobs are only counted. */
  maxJobs: number;
  /** Bytes kept from the end of each log. */
  logTailBytes: number;
  onRawRequest: () => void;
  signal?: AbortSignal;
}

/** null when the merge request has no pipeline at all. */
export async function readPipelineFailures(options: PipelineFailureOptions): Promise<PipelineFacts | null> {
  const { gitlab, mergeRequest: mr } = options;
  const signal = options.signal ? { signal: options.signal } : {};
  let pipeline: Pipeline | undefined = mr.head_pipeline ?? undefined;
  let which = "head pipeline";
  if (!pipeline) {
    pipeline = await latestPipelineOf(gitlab, mr.source_project_id, mr.source_branch, options.signal);
    which = `latest pipeline of the source branch ${sanitizeLine(mr.source_branch, 200)}`;
  }
  if (!pipeline) return null;
  const pipelineProject =
    pipeline.project_id ?? (mr.head_pipeline ? options.projectId : mr.source_project_id);
  const jobs = await listFailedJobs(gitlab, pipelineProject, pipeline.id, options.signal);
  const failed = jobs
    .filter((job) => job.status === "failed")
    // Jobs that break the pipeline first; allowed failures after.
    .sort((a, b) => Number(a.allow_failure === true) - Number(b.allow_failure === true) || a.id - b.id);
  const read = failed.slice(0, options.maxJobs);
  const failedJobs = await Promise.all(
    read.map(async (job): Promise<FailedJob> => {
      const base = {
        name: sanitizeLine(job.name, 200),
        stage: sanitizeLine(job.stage ?? "", 100),
        id: job.id,
        allowFailure: job.allow_failure === true,
        failureReason: job.failure_reason ? sanitizeLine(job.failure_reason, 100) : null,
      };
      try {
        const answer = await rawGet(options.raw, `/api/v4${jobLogPath(pipelineProject, job.id)}`, {
          keepTail: options.logTailBytes,
          onRequest: options.onRawRequest,
          ...signal,
        });
        if (answer.body === null)
          return { ...base, log: null, logProblem: `GitLab answered ${answer.status}` };
        let text = new TextDecoder("utf-8", { fatal: false }).decode(answer.body);
        // The first line of a tail is likely cut in the middle: drop it.
        if (answer.skipped > 0) text = text.slice(text.indexOf("\n") + 1);
        return { ...base, log: sanitizeLog(text) };
      } catch (error) {
        return { ...base, log: null, logProblem: describe(error) };
      }
    }),
  );
  return {
    id: pipeline.id,
    status: sanitizeLine(pipeline.status, 50),
    which,
    failedJobs,
    moreFailedJobs: failed.length - read.length,
  };
}

export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return sanitizeLine(message, 200);
}
