// Whole pipelines for real: stage order, skipping after a failure, allow_failure, when: always/on_failure, cancel.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planPipeline } from "../../../sandbox/runner/pipeline-plan.ts";
import type { PipelinePlan } from "../../../sandbox/runner/pipeline-plan.ts";
import { runPipeline } from "../../../sandbox/runner/pipeline-runner.ts";
import type { JobUpdate, PipelineStatus } from "../../../sandbox/runner/pipeline-runner.ts";
import { createGitFixture } from "./git-fixture.ts";
import type { GitFixture } from "./git-fixture.ts";

let repo: GitFixture;
let runCount = 0;

beforeAll(async () => {
  repo = await createGitFixture();
});
afterAll(async () => {
  await rm(repo.root, { recursive: true, force: true });
});

function planOf(yaml: string): PipelinePlan {
  const result = planPipeline(yaml, { variables: { CI_PIPELINE_SOURCE: "trigger" }, inputs: {} });
  if (!result.ok) throw new Error(result.error);
  return result.plan;
}

interface Run {
  status: PipelineStatus;
  updates: Array<[string, JobUpdate]>;
  /** Final status per job. */
  final: Record<string, string>;
  /** Job names in the order their scripts ran (each job appends its name to a shared file). */
  order: string[];
}

async function runYaml(yaml: string, signal?: AbortController): Promise<Run> {
  runCount += 1;
  const orderFile = join(repo.root, `order-${runCount}.txt`);
  const updates: Array<[string, JobUpdate]> = [];
  let trace = "";
  const status = await runPipeline(planOf(yaml), {
    jobOptions: () => ({
      cloneUrl: repo.bare,
      sha: repo.sha,
      ref: "main",
      env: { ORDER_FILE: orderFile },
      timeoutMs: 60_000,
      workRoot: join(repo.root, "builds"),
      killGraceMs: 500,
      onTrace: (chunk) => {
        trace += chunk;
        if (trace.includes("$ sleep 60\n")) signal?.abort();
      },
    }),
    onJobUpdate: (name, update) => {
      updates.push([name, update]);
    },
    ...(signal ? { signal: signal.signal } : {}),
  });
  const final: Record<string, string> = {};
  for (const [name, update] of updates) final[name] = update.status;
  const order = (await readFile(orderFile, "utf8").catch(() => "")).split("\n").filter(Boolean);
  return { status, updates, final, order };
}

const record = 'echo "$CI_JOB_NAME" >> "$ORDER_FILE"';

describe("runPipeline", () => {
  it("runs stages in order, jobs of a stage one after another, and reports each job's progress", async () => {
    const run = await runYaml(`
stages: [prepare, check, ship]
ship-it: { stage: ship, script: ['${record}'] }
lint: { stage: check, script: ['${record}'] }
unit: { stage: check, script: ['${record}'] }
setup: { stage: prepare, script: ['${record}'] }
`);
    expect(run.status).toBe("success");
    expect(run.order).toEqual(["setup", "lint", "unit", "ship-it"]);
    expect(run.updates.slice(0, 4).map(([name, u]) => [name, u.status])).toEqual([
      ["setup", "pending"],
      ["lint", "pending"],
      ["unit", "pending"],
      ["ship-it", "pending"],
    ]);
    expect(run.updates.slice(4).map(([name, u]) => `${name}:${u.status}`)).toEqual([
      "setup:running",
      "setup:success",
      "lint:running",
      "lint:success",
      "unit:running",
      "unit:success",
      "ship-it:running",
      "ship-it:success",
    ]);
    const [, done] = run.updates.find(([name, u]) => name === "setup" && u.status === "success") ?? [];
    expect(done).toMatchObject({
      exitCode: 0,
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
  });

  it("skips later on_success jobs after a failure, still runs its stage, always and on_failure jobs", async () => {
    const run = await runYaml(`
build: { stage: build, script: ['${record}', 'exit 2'] }
build-docs: { stage: build, script: ['${record}'] }
test: { stage: test, script: ['${record}'] }
report: { stage: test, when: always, script: ['${record}'] }
notify: { stage: deploy, when: on_failure, script: ['${record}'] }
deploy: { stage: deploy, script: ['${record}'] }
`);
    expect(run.status).toBe("failed");
    expect(run.order).toEqual(["build", "build-docs", "report", "notify"]);
    expect(run.final).toEqual({
      build: "failed",
      "build-docs": "success",
      test: "skipped",
      report: "success",
      notify: "success",
      deploy: "skipped",
    });
    const [, failure] = run.updates.find(([name, u]) => name === "build" && u.status === "failed") ?? [];
    expect(failure).toMatchObject({ failureReason: "script_failure", exitCode: 2 });
  });

  it("does not fail the pipeline for allowed failures, and does not run on_failure jobs then", async () => {
    const run = await runYaml(`
flaky: { stage: build, allow_failure: true, script: ['${record}', 'exit 1'] }
known-exit: { stage: build, allow_failure: { exit_codes: [42] }, script: ['${record}', 'exit 42'] }
test: { stage: test, script: ['${record}'] }
notify: { stage: deploy, when: on_failure, script: ['${record}'] }
`);
    expect(run.status).toBe("success");
    expect(run.final).toEqual({
      flaky: "failed",
      "known-exit": "failed",
      test: "success",
      notify: "skipped",
    });
  });

  it("cancels the running job and every job after it when the signal aborts", async () => {
    const run = await runYaml(
      `
first: { stage: build, script: ['${record}'] }
long: { stage: test, script: ['${record}', 'sleep 60'] }
after-long: { stage: test, script: ['${record}'] }
cleanup: { stage: deploy, when: always, script: ['${record}'] }
`,
      new AbortController(),
    );
    expect(run.status).toBe("canceled");
    expect(run.order).toEqual(["first", "long"]);
    expect(run.final).toEqual({
      first: "success",
      long: "canceled",
      "after-long": "canceled",
      cleanup: "canceled",
    });
  });
});
