// Running single jobs for real: git clones a real bare repository, bash runs the scripts.
import { readFileSync } from "node:fs";
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../../sandbox/runner/job-executor.ts";
import type { JobResult, RunJobOptions } from "../../../sandbox/runner/job-executor.ts";
import { planPipeline } from "../../../sandbox/runner/pipeline-plan.ts";
import type { PlannedJob } from "../../../sandbox/runner/pipeline-plan.ts";
import { createGitFixture } from "./git-fixture.ts";
import type { GitFixture } from "./git-fixture.ts";

let repo: GitFixture;
let workRoot: string;

beforeAll(async () => {
  repo = await createGitFixture({ "README.md": "# demo project\n", "data.txt": "from the repository\n" });
  workRoot = join(repo.root, "builds");
});
afterAll(async () => {
  await rm(repo.root, { recursive: true, force: true });
});

/** The one job of a single-job .gitlab-ci.yml. */
function jobFrom(yaml: string): PlannedJob {
  const result = planPipeline(yaml, { variables: { CI_PIPELINE_SOURCE: "trigger" }, inputs: {} });
  if (!result.ok) throw new Error(result.error);
  const [job] = result.plan.jobs;
  if (!job) throw new Error("no job planned");
  return job;
}

async function run(
  job: PlannedJob,
  options: Partial<RunJobOptions> = {},
): Promise<{ result: JobResult; trace: string }> {
  let trace = "";
  const result = await runJob(job, {
    cloneUrl: repo.bare,
    sha: repo.sha,
    ref: "main",
    env: { CI_PIPELINE_SOURCE: "trigger", CI_PROJECT_NAME: "demo" },
    timeoutMs: 60_000,
    workRoot,
    killGraceMs: 500,
    ...options,
    onTrace: (chunk) => {
      trace += chunk;
      options.onTrace?.(chunk);
    },
  });
  return { result, trace };
}

function isAlive(pid: number): boolean {
  try {
    // A killed process may linger as a zombie until something reaps it: that is not alive.
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe("runJob", () => {
  it("runs before_script and script in a detached checkout with the job's variables", async () => {
    const job = jobFrom(`
variables:
  GREETING: "hello from $CI_PROJECT_NAME"
job:
  variables:
    TARGET: "\${GREETING} on $CI_COMMIT_REF_NAME"
  before_script:
    - export FROM_BEFORE=yes
  script:
    - echo "target=$TARGET before=$FROM_BEFORE"
    - cat data.txt
    - test "$(git rev-parse HEAD)" = "$CI_COMMIT_SHA"
    - git symbolic-ref -q HEAD || echo "detached HEAD"
    - echo "home=$HOME" && test -d "$HOME" && test "$PWD" = "$CI_PROJECT_DIR"
    - echo "to stderr" >&2
`);
    const { result, trace } = await run(job);
    expect(result).toEqual({ status: "success", exitCode: 0 });
    expect(trace).toContain('$ echo "target=$TARGET before=$FROM_BEFORE"\n');
    expect(trace).toContain("target=hello from demo on main before=yes\n");
    expect(trace).toContain("from the repository\n");
    expect(trace).toContain("detached HEAD\n");
    expect(trace).toContain("to stderr\n");
    expect(trace).toContain(`Checking out ${repo.sha.slice(0, 8)} as detached HEAD (ref is main)...`);
    expect(trace.trimEnd().endsWith("Job succeeded")).toBe(true);
    expect(await readdir(workRoot)).toEqual([]);
  });

  it("stops at the first failing command, pipes included, and reports its exit code", async () => {
    const failing = await run(
      jobFrom("job:\n  script:\n    - echo first\n    - exit 3\n    - echo never-printed\n"),
    );
    expect(failing.result).toEqual({ status: "failed", exitCode: 3, failureReason: "script_failure" });
    expect(failing.trace).toContain("first\n");
    expect(failing.trace).not.toContain("never-printed\n");
    expect(failing.trace.trimEnd().endsWith("ERROR: Job failed: exit code 3")).toBe(true);

    const piped = await run(jobFrom("job:\n  script:\n    - false | cat\n    - echo never-printed\n"));
    expect(piped.result).toMatchObject({ status: "failed", exitCode: 1 });
    expect(piped.trace).not.toContain("never-printed\n");
  });

  it("runs after_script after a failure, with CI_JOB_STATUS, without changing the outcome", async () => {
    const failed = await run(
      jobFrom(`
job:
  script: [export ONLY_IN_SCRIPT=1, "false"]
  after_script:
    - echo "status=$CI_JOB_STATUS only=\${ONLY_IN_SCRIPT:-unset} pwd-ok=$([ "$PWD" = "$CI_PROJECT_DIR" ] && echo y)"
`),
    );
    expect(failed.result).toMatchObject({ status: "failed", failureReason: "script_failure" });
    expect(failed.trace).toContain("status=failed only=unset pwd-ok=y\n");

    const succeeded = await run(
      jobFrom("job:\n  script: echo ok\n  after_script: ['echo status=$CI_JOB_STATUS', 'exit 7']\n"),
    );
    expect(succeeded.result).toEqual({ status: "success", exitCode: 0 });
    expect(succeeded.trace).toContain("status=success\n");
    expect(succeeded.trace).toContain(
      "WARNING: after_script failed, but job will continue unaffected: exit code 7",
    );
  });

  it("kills the whole process group when the job times out", async () => {
    const pidFile = join(repo.root, "background.pid");
    const job = jobFrom(`
job:
  script:
    - sleep 60 & echo $! > "$PID_FILE"
    - sleep 60
  after_script:
    - echo "after timeout status=$CI_JOB_STATUS"
`);
    const { result, trace } = await run(job, { timeoutMs: 1500, env: { PID_FILE: pidFile } });
    expect(result).toEqual({ status: "failed", exitCode: null, failureReason: "job_execution_timeout" });
    expect(trace).toContain("after timeout status=failed\n");
    expect(trace.trimEnd().endsWith("ERROR: Job failed: execution took longer than 1.5s seconds")).toBe(true);
    const backgroundPid = Number((await readFile(pidFile, "utf8")).trim());
    expect(backgroundPid).toBeGreaterThan(0);
    expect(await eventually(() => !isAlive(backgroundPid))).toBe(true);
    expect(await readdir(workRoot)).toEqual([]);
  });

  it("uses the job's own timeout when it is shorter than the runner's", async () => {
    const { result } = await run(jobFrom("job:\n  timeout: 1s\n  script: sleep 60\n"));
    expect(result.failureReason).toBe("job_execution_timeout");
  });

  it("is canceled when the signal aborts, and does not start when it already has", async () => {
    const controller = new AbortController();
    const job = jobFrom("job:\n  script:\n    - sleep 60\n  after_script: echo status=$CI_JOB_STATUS\n");
    let seen = "";
    const { result, trace } = await run(job, {
      signal: controller.signal,
      onTrace: (chunk) => {
        seen += chunk;
        if (seen.includes("$ sleep 60\n")) controller.abort();
      },
    });
    expect(result).toEqual({ status: "canceled", exitCode: null, failureReason: "canceled" });
    expect(trace).toContain("status=canceled\n");
    expect(trace.trimEnd().endsWith("ERROR: Job failed: canceled")).toBe(true);

    const before = await run(job, { signal: AbortSignal.abort() });
    expect(before.result.status).toBe("canceled");
    expect(before.trace).not.toContain("Fetching changes");
  });

  it("fails with a system failure when the repository cannot be cloned", async () => {
    const { result, trace } = await run(jobFrom("job: { script: echo never }"), {
      cloneUrl: join(repo.root, "missing.git"),
    });
    expect(result).toEqual({ status: "failed", exitCode: null, failureReason: "runner_system_failure" });
    expect(trace).toContain("could not get the sources");
    expect(trace).not.toContain("$ echo never");
  });

  it("never writes clone credentials to the trace", async () => {
    const { trace } = await run(jobFrom("job: { script: echo never }"), {
      cloneUrl: "http://gitlab-ci-token:s3cr3t@127.0.0.1:9/group/project.git",
    });
    expect(trace).toContain("Fetching changes from http://127.0.0.1:9/group/project.git");
    expect(trace).not.toContain("s3cr3t");
  });
});
