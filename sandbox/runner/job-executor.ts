// Runs one planned job like GitLab's shell executor: a fresh clone checked out at the pipeline's commit (detached
// HEAD; the branch is only known through CI_COMMIT_REF_NAME), then before_script + script in one bash, then
// after_script in another bash that cannot change the outcome. The trace reads like a GitLab job log.
import { collectArtifacts, type CollectedArtifacts } from "./ci-artifacts.ts";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatGoDuration } from "./ci-duration.ts";
import { baseEnvironment, buildJobEnvironment } from "./job-environment.ts";
import { buildJobScript } from "./job-script.ts";
import type { PlannedJob } from "./pipeline-plan.ts";
import { runProcessGroup } from "./process-group.ts";
import type { ProcessGroupOutcome } from "./process-group.ts";

export type FailureReason = "script_failure" | "job_execution_timeout" | "runner_system_failure" | "canceled";

export interface RunJobOptions {
  /** A URL or path `git clone` accepts; credentials in it are never written to the trace. */
  cloneUrl: string;
  sha: string;
  ref: string;
  /** Predefined, project and pipeline variables for the job. */
  env: Record<string, string>;
  /** The runner's limit for the job (clone + scripts); a shorter job `timeout:` wins. */
  timeoutMs: number;
  /** Each job gets a fresh directory under here, removed when the job ends. */
  workRoot: string;
  signal?: AbortSignal | undefined;
  onTrace(chunk: string): void;
  /** after_script's own limit; GitLab's is 5 minutes. */
  afterScriptTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL when a step is stopped. */
  killGraceMs?: number;
}

export interface JobResult {
  status: "success" | "failed" | "canceled";
  exitCode: number | null;
  failureReason?: FailureReason;
  /** What `artifacts:` uploaded (paths and dotenv reports), when it matched the job's status. */
  artifacts?: CollectedArtifacts;
}

const defaultAfterScriptTimeoutMs = 5 * 60_000;
const defaultKillGraceMs = 3000;

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url;
  }
}

interface Step {
  options: RunJobOptions;
  line(text: string): void;
  deadline: number;
  killGraceMs: number;
}

function stepOutcomeFailure(outcome: ProcessGroupOutcome): "timeout" | "canceled" | null {
  if (outcome.ended === "timeout") return "timeout";
  if (outcome.ended === "aborted") return "canceled";
  return null;
}

async function git(
  step: Step,
  cwd: string,
  env: Record<string, string>,
  args: string[],
): Promise<ProcessGroupOutcome> {
  return runProcessGroup("git", args, {
    cwd,
    env,
    timeoutMs: step.deadline - Date.now(),
    signal: step.options.signal,
    killGraceMs: step.killGraceMs,
    onOutput: (chunk) => step.options.onTrace(chunk),
  });
}

/** Clones and checks out; returns null on success, or how the step ended. */
async function getSources(
  step: Step,
  jobDir: string,
  projectDir: string,
  home: string,
  tmp: string,
): Promise<ProcessGroupOutcome | null> {
  const { cloneUrl, sha, ref } = step.options;
  const env = { ...baseEnvironment(home, tmp), GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" };
  step.line("Getting source from Git repository");
  step.line(`Fetching changes from ${redact(cloneUrl)}...`);
  const clone = await git(step, jobDir, env, ["clone", "--quiet", "--no-checkout", cloneUrl, projectDir]);
  if (clone.ended !== "exited" || clone.exitCode !== 0) return clone;
  step.line(`Checking out ${sha.slice(0, 8)} as detached HEAD (ref is ${ref})...`);
  const checkout = ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", sha];
  let outcome = await git(step, projectDir, env, checkout);
  if (outcome.ended === "exited" && outcome.exitCode !== 0) {
    // A commit no branch or tag points at (an older or deleted head): ask the server for it directly.
    const fetch = await git(step, projectDir, env, ["fetch", "--quiet", "origin", sha]);
    if (fetch.ended !== "exited") return fetch;
    outcome = await git(step, projectDir, env, checkout);
  }
  return outcome.ended === "exited" && outcome.exitCode === 0 ? null : outcome;
}

async function runScript(
  step: Step,
  scriptPath: string,
  commands: readonly string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ProcessGroupOutcome> {
  await writeFile(scriptPath, buildJobScript(commands), { mode: 0o700 });
  return runProcessGroup("bash", ["--noprofile", "--norc", scriptPath], {
    cwd,
    env,
    timeoutMs,
    signal,
    killGraceMs: step.killGraceMs,
    onOutput: (chunk) => step.options.onTrace(chunk),
  });
}

const pick = (result: JobResult): Pick<JobResult, "artifacts"> =>
  result.artifacts ? { artifacts: result.artifacts } : {};

export async function runJob(job: PlannedJob, options: RunJobOptions): Promise<JobResult> {
  const line = (text: string): void => options.onTrace(`${text}\n`);
  const timeoutMs = Math.round(
    Math.min(options.timeoutMs, job.timeoutSeconds !== undefined ? job.timeoutSeconds * 1000 : Infinity),
  );
  const step: Step = {
    options,
    line,
    deadline: Date.now() + timeoutMs,
    killGraceMs: options.killGraceMs ?? defaultKillGraceMs,
  };
  const canceled = (): JobResult => {
    line("ERROR: Job failed: canceled");
    return { status: "canceled", exitCode: null, failureReason: "canceled" };
  };
  const timedOut = (): JobResult => {
    line(`ERROR: Job failed: execution took longer than ${formatGoDuration(timeoutMs)} seconds`);
    return { status: "failed", exitCode: null, failureReason: "job_execution_timeout" };
  };
  if (options.signal?.aborted) return canceled();

  line("Running with the agent-bridge sandbox runner (shell executor)");
  if (job.image !== undefined) line(`Image ${job.image} is ignored: the sandbox runs jobs on the host`);
  await mkdir(options.workRoot, { recursive: true });
  const jobDir = await mkdtemp(join(options.workRoot, "job-"));
  const projectDir = join(jobDir, "project");
  const home = join(jobDir, "home");
  const tmp = join(jobDir, "tmp");
  try {
    await mkdir(home);
    await mkdir(tmp);
    const sources = await getSources(step, jobDir, projectDir, home, tmp);
    if (sources) {
      const stopped = stepOutcomeFailure(sources);
      if (stopped === "timeout") return timedOut();
      if (stopped === "canceled") return canceled();
      const detail = sources.spawnError?.message ?? `git exit code ${String(sources.exitCode)}`;
      line(`ERROR: Job failed (system failure): could not get the sources: ${detail}`);
      return { status: "failed", exitCode: null, failureReason: "runner_system_failure" };
    }

    const env = buildJobEnvironment({
      job,
      env: options.env,
      sha: options.sha,
      ref: options.ref,
      home,
      tmp,
      projectDir,
      buildsDir: jobDir,
      timeoutSeconds: Math.round(timeoutMs / 1000),
    });
    line("");
    line('Executing "step_script" stage of the job script');
    const main = await runScript(
      step,
      join(jobDir, "step_script.sh"),
      [...job.beforeScript, ...job.script],
      projectDir,
      env,
      step.deadline - Date.now(),
      options.signal,
    );
    let result: JobResult;
    const stopped = stepOutcomeFailure(main);
    if (main.spawnError) {
      line(`ERROR: Job failed (system failure): ${main.spawnError.message}`);
      result = { status: "failed", exitCode: null, failureReason: "runner_system_failure" };
    } else if (stopped === "timeout") {
      result = { status: "failed", exitCode: null, failureReason: "job_execution_timeout" };
    } else if (stopped === "canceled") {
      result = { status: "canceled", exitCode: null, failureReason: "canceled" };
    } else if (main.exitCode === 0) {
      result = { status: "success", exitCode: 0 };
    } else {
      result = { status: "failed", exitCode: main.exitCode, failureReason: "script_failure" };
    }

    if (job.afterScript.length > 0) {
      line("");
      line("Running after_script");
      line("Running after script...");
      const after = await runScript(
        step,
        join(jobDir, "after_script.sh"),
        job.afterScript,
        projectDir,
        { ...env, CI_JOB_STATUS: result.status },
        options.afterScriptTimeoutMs ?? defaultAfterScriptTimeoutMs,
        undefined,
      );
      if (after.ended === "timeout") {
        line("WARNING: after_script failed, but job will continue unaffected: context deadline exceeded");
      } else if (after.exitCode !== 0) {
        const why = after.spawnError?.message ?? `exit code ${String(after.exitCode ?? after.exitSignal)}`;
        line(`WARNING: after_script failed, but job will continue unaffected: ${why}`);
      }
    }

    if (job.artifacts !== undefined) {
      const collected = await collectArtifacts(job.artifacts, result.status, projectDir, line);
      if (collected !== undefined) result.artifacts = collected;
    }
    line("");
    line("Cleaning up project directory and file based variables");
    if (result.failureReason === "job_execution_timeout") return { ...timedOut(), ...pick(result) };
    if (result.status === "canceled") return canceled();
    if (result.status === "success") line("Job succeeded");
    else if (result.failureReason === "script_failure") {
      line(
        main.exitCode !== null
          ? `ERROR: Job failed: exit code ${main.exitCode}`
          : `ERROR: Job failed: terminated by ${String(main.exitSignal)}`,
      );
    }
    return result;
  } finally {
    // A leftover directory must not turn a finished job into an error.
    await rm(jobDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
}
