// Runs without a mention, end to end: the project's .gitlab-ci.yml includes the real components as a user
// writes it (the claude one with a `prompt` input), the sandbox runs the pipelines GitLab would make for a
// schedule that is played (source `schedule`, GitLab's "Pipeline schedules API: run a schedule now",
// docs api/pipeline_schedules.md#run-a-scheduled-pipeline-immediately) and for "Run pipeline" with a variable
// (source `web`, Projects::PipelinesController#create), and the real CLIs answer scripted models. Each run's
// outcome is read back from GitLab: the merge request, the job's log, and its report artifact (GET
// /projects/:id/jobs/:job_id/artifacts/*artifact_path, docs api/job_artifacts.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../job/run-report.ts";
import { startWorld, type World } from "./support/bridge-world.ts";

const NIGHTLY = "Make the greeting friendlier [scenario:nightly]";
const CI_CONFIG = `include:
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0
    inputs:
      agent_timeout_minutes: 3
      job_timeout_minutes: 6
      prompt: "${NIGHTLY}"
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@0.1.0
    inputs:
      agent_timeout_minutes: 3
      job_timeout_minutes: 6
`;

let world: World;

beforeAll(async () => {
  world = await startWorld({ files: { ".gitlab-ci.yml": CI_CONFIG } });
});

afterAll(async () => {
  await world?.close();
});

/** The jobs of one pipeline, with their logs, once the sandbox is idle. */
async function pipelineJobs(pipelineId: number) {
  await world.sandbox.idle();
  return (await world.state()).jobs.filter((job) => job.pipeline_id === pipelineId);
}

async function report(jobId: number): Promise<RunReport> {
  const res = await fetch(
    `${world.sandbox.url}/api/v4/projects/${world.projectId}/jobs/${jobId}/artifacts/agent-bridge-report/agent-bridge-report.json`,
    { headers: { "PRIVATE-TOKEN": world.sandbox.adminToken } },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as RunReport;
}

/** "Run pipeline" on the default branch with these variables, as the developer. */
async function runPipeline(variables: Record<string, string>): Promise<number> {
  const res = await fetch(`${world.sandbox.url}/${world.projectPath}/-/pipelines`, {
    method: "POST",
    headers: { "PRIVATE-TOKEN": world.dev.token, "content-type": "application/json" },
    body: JSON.stringify({
      ref: "main",
      variables_attributes: Object.entries(variables).map(([key, value]) => ({
        key,
        secret_value: value,
        variable_type: "env_var",
      })),
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

function traces(jobs: ReadonlyArray<{ name: string; status: string; trace: string }>): string {
  return jobs.map((j) => `--- ${j.name} ${j.status}\n${j.trace}`).join("\n");
}

describe("runs without a mention", { timeout: 300_000 }, () => {
  it("a schedule with the component's prompt: Claude's change becomes a merge request", async () => {
    world.scenarios.set("nightly", {
      claude: (turn, { workdir }) =>
        [
          [{ tool: "Read", input: { file_path: `${workdir}/src/greeting.js` } }],
          [
            {
              tool: "Edit",
              input: { file_path: `${workdir}/src/greeting.js`, old_string: "old", new_string: "friendly" },
            },
          ],
          [{ text: "Made the greeting friendlier." }],
        ][turn],
    });
    const schedule = await world.dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${world.projectId}/pipeline_schedules`,
      { description: "nightly", ref: "main", cron: "0 3 * * *" },
    );
    await world.dev.client.ok("POST", `/projects/${world.projectId}/pipeline_schedules/${schedule.id}/play`);
    await world.sandbox.idle();
    const played = await world.dev.client.ok<{ last_pipeline: { id: number } | null }>(
      "GET",
      `/projects/${world.projectId}/pipeline_schedules/${schedule.id}`,
    );
    const pipelineId = played.last_pipeline?.id;
    expect(pipelineId).toBeDefined();
    const jobs = await pipelineJobs(pipelineId as number);
    // Only Claude's component has a prompt: Codex's job is not in the pipeline.
    expect(jobs.map((j) => j.name)).toEqual(["agent-bridge-claude"]);
    const job = jobs[0]!;
    expect(job.status, traces(jobs)).toBe("success");

    const result = await report(job.id);
    const mr = (await world.state()).merge_requests.find((m) => m.iid === result.merge_request?.iid);
    // {prefix}{iid}-{slug}: the pipeline's id numbers a prompt run's branch, the prompt's first line names it.
    expect(mr?.source_branch, traces(jobs)).toMatch(new RegExp(`^claude/${pipelineId}-make-the-greeting`));
    expect(mr, traces(jobs)).toBeDefined();
    expect(mr!.target_branch).toBe("main");
    expect(mr!.title).toBe("Make the greeting friendlier [scenario:nightly]");
    expect(mr!.description).toContain("Made the greeting friendlier.");
    expect(mr!.description).toContain(
      `Requested by @${world.dev.username} with a prompt in [pipeline ${pipelineId}]`,
    );
    expect(mr!.description).not.toContain("Closes #");
    const greeting = await world.admin.ok<{ content: string }>(
      "GET",
      `/projects/${world.projectId}/repository/files/src%2Fgreeting.js?ref=${encodeURIComponent(mr!.source_branch)}`,
    );
    expect(Buffer.from(greeting.content, "base64").toString()).toContain("hello friendly world");

    expect(result).toMatchObject({
      conclusion: "succeeded",
      assistant: "claude",
      trigger: {
        kind: "prompt",
        prompt_from: "prompt",
        pipeline_source: "schedule",
        project_id: world.projectId,
        target: { type: "project", iid: null },
        author: world.dev.username,
      },
      branch: mr!.source_branch,
      merge_request: { iid: mr!.iid },
      answer: "Made the greeting friendlier.",
      pipeline_id: pipelineId,
    });
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(result.turns).toBeGreaterThan(0);
    expect(result.session_id).toEqual(expect.any(String));
  });

  it("Run pipeline with only AI_FLOW_INPUT, AGENT_ASSISTANT=codex: Codex's change becomes a merge request", async () => {
    world.scenarios.set("manual", {
      codex: (turn) =>
        [
          [
            {
              tool: "apply_patch",
              input: {
                patch:
                  '*** Begin Patch\n*** Update File: src/greeting.js\n@@\n-export const greeting = "hello old world";\n+export const greeting = "hello manual world";\n*** End Patch\n',
              },
            },
          ],
          [{ text: "Changed the greeting by hand." }],
        ][turn],
    });
    const pipelineId = await runPipeline({
      AI_FLOW_INPUT: "Change the greeting to say manual [scenario:manual]",
      AGENT_ASSISTANT: "codex",
    });
    const jobs = await pipelineJobs(pipelineId);
    expect(jobs.map((j) => j.name)).toEqual(["agent-bridge-codex"]);
    const job = jobs[0]!;
    expect(job.status, traces(jobs)).toBe("success");
    const result = await report(job.id);
    expect(result, traces(jobs)).toMatchObject({
      conclusion: "succeeded",
      assistant: "codex",
      trigger: {
        kind: "prompt",
        prompt_from: "AI_FLOW_INPUT",
        pipeline_source: "web",
        author: world.dev.username,
      },
      answer: "Changed the greeting by hand.",
    });
    const mr = (await world.state()).merge_requests.find((m) => m.iid === result.merge_request?.iid);
    expect(mr?.source_branch).toBe(result.branch);
    expect(mr?.source_branch).toMatch(new RegExp(`^codex/${pipelineId}-change-the-greeting`));
    expect(mr?.description).toContain("Changed the greeting by hand.");
  });

  it("a prompt that changes nothing leaves its answer in the job log and the report, for every component", async () => {
    world.scenarios.set("question", {
      claude: (turn) => (turn === 0 ? [{ text: "Claude says: it exports greeting." }] : undefined),
      codex: (turn) => (turn === 0 ? [{ text: "Codex says: it exports greeting." }] : undefined),
    });
    const before = (await world.state()).merge_requests.length;
    // No AGENT_ASSISTANT: every included component runs, and AI_FLOW_INPUT wins over Claude's prompt input.
    const pipelineId = await runPipeline({
      AI_FLOW_INPUT: "What does src/greeting.js export? [scenario:question]",
    });
    const jobs = await pipelineJobs(pipelineId);
    expect(jobs.map((j) => j.name).sort()).toEqual(["agent-bridge-claude", "agent-bridge-codex"]);
    for (const job of jobs) {
      expect(job.status, traces(jobs)).toBe("success");
      const name = job.name === "agent-bridge-claude" ? "Claude" : "Codex";
      expect(job.trace).toContain(`${name} says: it exports greeting.`);
      expect(job.trace).toContain("published: no changes");
      const result = await report(job.id);
      expect(result).toMatchObject({
        conclusion: "succeeded",
        trigger: { kind: "prompt", prompt_from: "AI_FLOW_INPUT", pipeline_source: "web" },
        branch: null,
        commit: null,
        merge_request: null,
        answer: `${name} says: it exports greeting.`,
      });
    }
    expect((await world.state()).merge_requests.length).toBe(before);
  });
});
