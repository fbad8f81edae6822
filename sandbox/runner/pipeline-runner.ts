// Runs a planned pipeline: stages in order, the jobs of a stage one after another (the sandbox machine is small).
// Stage semantics follow GitLab: a job's `when` is judged on the stages before it, so a failure skips later
// `on_success` jobs but not the rest of its own stage; `always` jobs run anyway, `on_failure` jobs only then.
import { runJob } from "./job-executor.ts";
import type { CollectedArtifacts } from "./ci-artifacts.ts";
import type { FailureReason, JobResult, RunJobOptions } from "./job-executor.ts";
import type { PipelinePlan, PlannedJob } from "./pipeline-plan.ts";

export type JobStatus = "pending" | "running" | "success" | "failed" | "canceled" | "skipped";
export type PipelineStatus = "success" | "failed" | "canceled";

export interface JobUpdate {
  status: JobStatus;
  /** ISO 8601 timestamps. */
  startedAt?: string;
  finishedAt?: string;
  failureReason?: FailureReason;
  exitCode?: number | null;
  artifacts?: CollectedArtifacts;
}

export interface RunPipelineOptions {
  /** The runJob options for one job; the pipeline's signal is added to them. */
  jobOptions(job: PlannedJob): Omit<RunJobOptions, "signal">;
  onJobUpdate(jobName: string, update: JobUpdate): void | Promise<void>;
  signal?: AbortSignal | undefined;
}

function failureAllowed(job: PlannedJob, result: JobResult): boolean {
  if (job.allowFailure) return true;
  return result.exitCode !== null && (job.allowFailureExitCodes?.includes(result.exitCode) ?? false);
}

export async function runPipeline(plan: PipelinePlan, options: RunPipelineOptions): Promise<PipelineStatus> {
  for (const job of plan.jobs) await options.onJobUpdate(job.name, { status: "pending" });
  let failed = false;
  let canceled = false;
  // Dotenv reports of earlier stages: above the jobs' YAML variables, below the project's and pipeline's.
  let dotenv: Record<string, string> = {};
  for (const stage of plan.stages) {
    const dotenvBefore = dotenv;
    // Jobs of one stage would run side by side on GitLab: they all see the pipeline as it was before the stage.
    const failedBefore = failed;
    for (const job of plan.jobs.filter((j) => j.stage === stage)) {
      if (canceled || options.signal?.aborted) {
        canceled = true;
        await options.onJobUpdate(job.name, { status: "canceled", failureReason: "canceled" });
        continue;
      }
      const runs = job.when === "always" || (job.when === "on_failure" ? failedBefore : !failedBefore);
      if (!runs) {
        await options.onJobUpdate(job.name, { status: "skipped" });
        continue;
      }
      const startedAt = new Date().toISOString();
      await options.onJobUpdate(job.name, { status: "running", startedAt });
      let result: JobResult;
      try {
        const base = options.jobOptions(job);
        const yaml = Object.fromEntries(
          Object.entries(job.variables).filter(([key]) => !Object.hasOwn(dotenvBefore, key)),
        );
        result = await runJob(
          { ...job, variables: yaml },
          { ...base, env: { ...dotenvBefore, ...base.env }, signal: options.signal },
        );
      } catch (error) {
        console.error(`sandbox runner: job ${job.name} could not run:`, error);
        result = { status: "failed", exitCode: null, failureReason: "runner_system_failure" };
      }
      const update: JobUpdate = { status: result.status, startedAt, finishedAt: new Date().toISOString() };
      if (result.failureReason) update.failureReason = result.failureReason;
      if (result.artifacts) {
        update.artifacts = result.artifacts;
        dotenv = { ...dotenv, ...result.artifacts.dotenv };
      }
      update.exitCode = result.exitCode;
      await options.onJobUpdate(job.name, update);
      if (result.status === "canceled") canceled = true;
      else if (result.status === "failed" && !failureAllowed(job, result)) failed = true;
    }
  }
  if (canceled) return "canceled";
  return failed ? "failed" : "success";
}
