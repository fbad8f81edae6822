// Pipelines of the sandbox: creation the way GitLab's Ci::CreatePipelineService decides it (pipeline-chain.ts:
// permissions to set variables, the ref, the CI file, the plan), then a background run through the shell runner. Each job gets a
// fresh CI_JOB_TOKEN, GitLab's predefined variables, the project's CI/CD variables and the pipeline's own, in
// GitLab's precedence; masked values never reach a stored trace. Jobs of all pipelines share two slots.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { CommitInfo } from "../git/commit-info.ts";
import type { RepoStore } from "../git/repo-store.ts";
import { runPipeline, type JobUpdate } from "../runner/pipeline-runner.ts";
import type { PipelinePlan, PlannedJob } from "../runner/pipeline-plan.ts";
import type { RunJobOptions } from "../runner/job-executor.ts";
import type { AccessToken, Job, Pipeline, Project, User } from "../state/model.ts";
import { now, type SandboxState } from "../state/store.ts";
import { IdTokenIssuer } from "./id-tokens.ts";
import { jobEnvironment } from "./job-environment.ts";
import { issueJobToken, revokeJobToken } from "./job-tokens.ts";
import { JobSlots } from "./job-slots.ts";
import { preparePipeline, type CreatePipelineRequest } from "./pipeline-chain.ts";
import type { RefType } from "./predefined-variables.ts";
import { TraceMasker } from "./trace-masking.ts";

/** What GitLab shows about a pipeline that the state model does not keep. */
export interface PipelineDetails {
  tag: boolean;
  commit: CommitInfo | null;
}

export interface PipelineService {
  /**
   * Creates a pipeline and, unless `runPipelines` is off, starts it in the background. Throws an ApiError 400
   * `{"message":{"base":[reason]}}` when GitLab would refuse (variables not allowed, unknown ref, no CI file,
   * a configuration error or rules that select no job).
   */
  create(request: CreatePipelineRequest): Promise<Pipeline>;
  /** Stops a pipeline: its running job is killed, the jobs that have not run are canceled. */
  cancelPipeline(pipeline: Pipeline): void;
  /**
   * Cancels a job that has not finished. The sandbox runs a pipeline's jobs one at a time, so this stops the
   * rest of its pipeline too (they are canceled, as after a pipeline cancel).
   */
  cancelJob(job: Job): void;
  details(pipeline: Pipeline): PipelineDetails;
  /** A file the job uploaded as an artifact, by its path in the checkout; null when there is none. */
  artifactFile(job: Job, path: string): Buffer | null;
  /** Signs `id_tokens:` JWTs and serves the keys to verify them. */
  readonly idTokens: IdTokenIssuer;
  /** Resolves when no pipeline is being created or run. */
  idle(): Promise<void>;
  busy(): boolean;
  /** Cancels every running pipeline and waits for them to stop (close and reset). */
  cancelAll(): Promise<void>;
}

/** Jobs running at once across the sandbox. */
const CONCURRENT_JOBS = 2;
const FINISHED = new Set<Job["status"]>(["success", "failed", "canceled", "skipped"]);

interface RunContext {
  project: Project;
  pipeline: Pipeline;
  user: User;
  plan: PipelinePlan;
  jobs: Map<string, Job>;
  /** Project variables overlaid with the pipeline's, in GitLab's precedence. */
  userVariables: Record<string, { value: string; file: boolean }>;
  maskedValues: string[];
  refType: RefType;
  refProtected: boolean;
  configPath: string;
  controller: AbortController;
}

/** A running job's resources, released when it ends. */
interface JobRuntime {
  token: AccessToken;
  masker: TraceMasker;
  env: Record<string, string>;
  filesDir: string;
  holdsSlot: boolean;
}

/**
 * What pipelines use of the sandbox. The server hands in its services object itself (it has these fields), so
 * `baseUrl`, known once the server listens, is read when a job needs it.
 */
export interface PipelineHost {
  state: SandboxState;
  repos: RepoStore;
  baseUrl: string;
  workDir: string;
  options: { runPipelines: boolean; jobTimeoutSeconds: number };
}

export function createPipelineService(sb: PipelineHost): PipelineService {
  const slots = new JobSlots(CONCURRENT_JOBS);
  const idTokens = new IdTokenIssuer();
  const runs = new Map<Pipeline, { controller: AbortController; done: Promise<void> }>();
  const creating = new Set<Promise<unknown>>();
  const details = new WeakMap<Pipeline, PipelineDetails>();
  const artifacts = new WeakMap<Job, Record<string, Buffer>>();

  async function create(request: CreatePipelineRequest): Promise<Pipeline> {
    const work = createPipeline(request);
    creating.add(work);
    try {
      return await work;
    } finally {
      creating.delete(work);
    }
  }

  async function createPipeline(request: CreatePipelineRequest): Promise<Pipeline> {
    const { project, user, ref, source } = request;
    const variables = request.variables ?? [];
    const inputs = request.inputs ?? {};
    const { sha, refType, refProtected, configPath, commit, predefined, userVariables, maskedValues, plan } =
      await preparePipeline(sb, request);

    const state = sb.state;
    const created = now();
    const pipeline: Pipeline = {
      id: state.nextId("pipeline"),
      iid: state.nextIid(project.id, "pipeline"),
      project_id: project.id,
      ref,
      sha,
      source,
      status: "created",
      user_id: user.id,
      variables: variables.map((v) => ({ key: v.key, value: v.value, variable_type: v.variable_type })),
      inputs,
      created_at: created,
      updated_at: created,
      started_at: null,
      finished_at: null,
      error: null,
    };
    state.pipelines.set(pipeline.id, pipeline);
    details.set(pipeline, { tag: refType === "tag", commit });
    const jobs = new Map<string, Job>();
    for (const plannedJob of plan.jobs) {
      const job: Job = {
        id: state.nextId("job"),
        pipeline_id: pipeline.id,
        project_id: project.id,
        name: plannedJob.name,
        stage: plannedJob.stage,
        status: "created",
        ref,
        allow_failure: plannedJob.allowFailure,
        created_at: created,
        started_at: null,
        finished_at: null,
        duration: null,
        failure_reason: null,
        trace: "",
        user_id: user.id,
      };
      state.jobs.set(job.id, job);
      jobs.set(job.name, job);
    }

    if (!sb.options.runPipelines) {
      // Nothing picks jobs up: the first stage waits as pending, as on a GitLab without runners.
      const first = plan.stages[0];
      for (const job of jobs.values()) if (job.stage === first) job.status = "pending";
      pipeline.status = "pending";
      return pipeline;
    }
    const run: RunContext = {
      project,
      pipeline,
      user,
      plan,
      jobs,
      userVariables,
      maskedValues,
      refType,
      refProtected,
      configPath,
      controller: new AbortController(),
    };
    const done = execute(run, predefined).finally(() => runs.delete(pipeline));
    runs.set(pipeline, { controller: run.controller, done });
    return pipeline;
  }

  async function execute(run: RunContext, predefined: Record<string, string>): Promise<void> {
    const { pipeline } = run;
    const runtimes = new Map<string, JobRuntime>();
    const touch = (): void => {
      pipeline.updated_at = now();
    };
    const release = async (name: string): Promise<void> => {
      const rt = runtimes.get(name);
      if (!rt) return;
      runtimes.delete(name);
      revokeJobToken(rt.token);
      if (rt.holdsSlot) slots.release();
      const job = run.jobs.get(name);
      if (job) job.trace += rt.masker.flush();
      await rm(rt.filesDir, { recursive: true, force: true });
    };

    const start = async (job: Job, planned: PlannedJob): Promise<void> => {
      const holdsSlot = await slots.acquire(run.controller.signal);
      if (!holdsSlot) return; // canceled while queued: runJob sees the aborted signal and reports it
      const startedAt = now();
      job.status = "running";
      job.started_at = startedAt;
      if (pipeline.status !== "running") {
        pipeline.status = "running";
        pipeline.started_at ??= startedAt;
      }
      touch();
      const token = issueJobToken(sb.state, job);
      const filesDir = join(sb.workDir, "job-variables", String(job.id));
      const runtime: JobRuntime = { token, masker: new TraceMasker([]), env: {}, filesDir, holdsSlot };
      runtimes.set(job.name, runtime);
      const { env, secrets } = await jobEnvironment({
        baseUrl: sb.baseUrl,
        project: run.project,
        user: run.user,
        pipeline,
        job,
        planned,
        predefined,
        userVariables: run.userVariables,
        maskedValues: run.maskedValues,
        jobToken: token.token,
        startedAt,
        filesDir,
        oidc: {
          issuer: idTokens,
          refType: run.refType,
          refProtected: run.refProtected,
          configPath: run.configPath,
        },
        lifetimeSeconds: timeoutSeconds(planned),
      });
      runtime.env = env;
      runtime.masker = new TraceMasker(secrets);
    };

    const onJobUpdate = async (name: string, update: JobUpdate): Promise<void> => {
      const job = run.jobs.get(name);
      const planned = run.plan.jobs.find((j) => j.name === name);
      if (!job || !planned) return;
      switch (update.status) {
        case "pending":
          job.status = "pending";
          if (pipeline.status === "created") pipeline.status = "pending";
          break;
        case "running":
          await start(job, planned);
          break;
        case "skipped":
          job.status = "skipped";
          break;
        default: {
          await release(name);
          const finished = now();
          job.status = update.status;
          if (job.started_at !== null) {
            job.finished_at = finished;
            job.duration = (Date.parse(finished) - Date.parse(job.started_at)) / 1000;
          }
          // GitLab keeps failure_reason for failed jobs only; a canceled job has none.
          job.failure_reason =
            update.status === "failed" ? (update.failureReason ?? "unknown_failure") : null;
          if (update.artifacts) artifacts.set(job, update.artifacts.files);
        }
      }
      touch();
    };

    let result: Pipeline["status"];
    try {
      result = await runPipeline(run.plan, {
        signal: run.controller.signal,
        jobOptions: (planned): Omit<RunJobOptions, "signal"> => {
          const rt = runtimes.get(planned.name);
          const job = run.jobs.get(planned.name);
          const cloneUrl = new URL(`${sb.baseUrl}/${run.project.path_with_namespace}.git`);
          cloneUrl.username = "gitlab-ci-token";
          cloneUrl.password = rt?.token.token ?? "";
          return {
            cloneUrl: cloneUrl.href,
            sha: pipeline.sha,
            ref: pipeline.ref,
            env: rt?.env ?? {},
            timeoutMs: timeoutSeconds(planned) * 1000,
            workRoot: join(sb.workDir, "builds"),
            onTrace: (chunk) => {
              if (!job) return;
              job.trace += rt ? rt.masker.push(chunk) : chunk;
            },
          };
        },
        onJobUpdate: async (name, update) => {
          try {
            await onJobUpdate(name, update);
          } catch (error) {
            console.error(`sandbox pipelines: job ${name} of pipeline ${pipeline.id}:`, error);
          }
        },
      });
    } catch (error) {
      console.error(`sandbox pipelines: pipeline ${pipeline.id} failed to run:`, error);
      result = "failed";
    }
    for (const name of [...runtimes.keys()]) await release(name);
    for (const job of run.jobs.values()) {
      if (FINISHED.has(job.status)) continue;
      job.status = result === "canceled" ? "canceled" : "failed";
      if (job.status === "failed") job.failure_reason = "runner_system_failure";
    }
    const all = [...run.jobs.values()];
    if (all.length > 0 && all.every((j) => j.status === "skipped")) result = "skipped";
    const finished = now();
    pipeline.status = result;
    pipeline.finished_at = finished;
    pipeline.updated_at = finished;
  }

  function timeoutSeconds(planned: PlannedJob): number {
    return planned.timeoutSeconds ?? sb.options.jobTimeoutSeconds;
  }

  function cancelPipeline(pipeline: Pipeline): void {
    const run = runs.get(pipeline);
    if (run) {
      run.controller.abort();
      return;
    }
    if (FINISHED.has(pipeline.status)) return;
    // Not running (runPipelines is off): cancel what waits.
    const at = now();
    for (const job of sb.state.jobs.values()) {
      if (job.pipeline_id !== pipeline.id || FINISHED.has(job.status)) continue;
      job.status = "canceled";
    }
    pipeline.status = "canceled";
    pipeline.finished_at = at;
    pipeline.updated_at = at;
  }

  function cancelJob(job: Job): void {
    if (FINISHED.has(job.status)) return;
    const pipeline = sb.state.pipelines.get(job.pipeline_id);
    if (pipeline && runs.has(pipeline)) {
      cancelPipeline(pipeline);
      return;
    }
    job.status = "canceled";
    if (
      pipeline &&
      [...sb.state.jobs.values()].every((j) => j.pipeline_id !== pipeline.id || FINISHED.has(j.status))
    ) {
      pipeline.status = "canceled";
      pipeline.finished_at = now();
      pipeline.updated_at = pipeline.finished_at;
    }
  }

  async function idle(): Promise<void> {
    while (runs.size > 0 || creating.size > 0) {
      await Promise.allSettled([...creating, ...[...runs.values()].map((r) => r.done)]);
    }
  }

  async function cancelAll(): Promise<void> {
    await Promise.allSettled([...creating]);
    for (const run of runs.values()) run.controller.abort();
    await idle();
  }

  return {
    create,
    cancelPipeline,
    cancelJob,
    details: (pipeline) => details.get(pipeline) ?? { tag: false, commit: null },
    artifactFile: (job, path) => artifacts.get(job)?.[path.replace(/^\/+/, "")] ?? null,
    idTokens,
    idle,
    busy: () => runs.size > 0 || creating.size > 0,
    cancelAll,
  };
}
