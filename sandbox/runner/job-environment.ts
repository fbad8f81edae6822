// The environment a job's bash sees, in layers: a minimal base (PATH, a per-job HOME and TMPDIR, LANG), the
// runner's own CI_* defaults, the caller's env (predefined, project and pipeline variables), the job's YAML
// variables expanded once against all of that, and finally the paths only the runner knows.
import type { PlannedJob } from "./pipeline-plan.ts";
import { expandVariables } from "./variable-expansion.ts";

export interface JobEnvironmentInput {
  job: PlannedJob;
  env: Readonly<Record<string, string>>;
  sha: string;
  ref: string;
  home: string;
  tmp: string;
  projectDir: string;
  buildsDir: string;
  timeoutSeconds: number;
}

export function baseEnvironment(home: string, tmp: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    TMPDIR: tmp,
    LANG: "C.UTF-8",
  };
}

export function buildJobEnvironment(input: JobEnvironmentInput): Record<string, string> {
  const outer: Record<string, string> = {
    ...baseEnvironment(input.home, input.tmp),
    CI: "true",
    GITLAB_CI: "true",
    CI_SERVER: "yes",
    CI_JOB_NAME: input.job.name,
    CI_JOB_STAGE: input.job.stage,
    CI_JOB_TIMEOUT: String(input.timeoutSeconds),
    CI_COMMIT_SHA: input.sha,
    CI_COMMIT_SHORT_SHA: input.sha.slice(0, 8),
    CI_COMMIT_REF_NAME: input.ref,
    ...input.env,
  };
  return {
    ...outer,
    ...expandVariables(input.job.variables, outer),
    CI_PROJECT_DIR: input.projectDir,
    CI_BUILDS_DIR: input.buildsDir,
  };
}
