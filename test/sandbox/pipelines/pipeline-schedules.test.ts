// Pipeline schedules through the API: create with inputs, variables, play (201 at once, then a pipeline with
// source `schedule` run as the schedule's owner, its inputs interpolated and its variables set), and the
// checks GitLab makes. The reference: https://docs.gitlab.com/api/pipeline_schedules/ and
// https://docs.gitlab.com/ci/pipelines/schedules/ (RunPipelineScheduleWorker runs a played schedule).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../../sandbox/server.ts";

let sandbox: Sandbox;
let admin: RestClient;
let dev: SandboxUser;
let reporter: SandboxUser;
let projectId: number;

const CI = `spec:
  inputs:
    prompt:
      default: ""
---
nightly:
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
  script:
    - echo "source=$CI_PIPELINE_SOURCE prompt=$[[ inputs.prompt ]] flavour=$FLAVOUR"
`;

beforeAll(async () => {
  sandbox = await startSandbox();
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "schedule-dev");
  reporter = await createUser(admin, "schedule-reporter");
  const project = await createProject(admin, { path: "scheduled", files: { ".gitlab-ci.yml": CI } });
  projectId = project.id;
  await addMember(admin, projectId, dev.id, 30);
  await addMember(admin, projectId, reporter.id, 20);
  // Schedule variables are pipeline variables: Developers may set them here.
  await admin.ok("PUT", `/projects/${projectId}`, {
    ci_pipeline_variables_minimum_override_role: "developer",
  });
});

afterAll(async () => {
  await sandbox?.close();
});

describe("pipeline schedules", () => {
  it("plays a schedule: a pipeline with source schedule, as its owner, with its inputs and variables", async () => {
    const schedule = await dev.client.ok<{ id: number; ref: string; owner: { id: number }; active: boolean }>(
      "POST",
      `/projects/${projectId}/pipeline_schedules`,
      {
        description: "Nightly triage",
        ref: "main",
        cron: "0 3 * * *",
        inputs: [{ name: "prompt", value: "triage open issues" }],
      },
    );
    expect(schedule).toMatchObject({ ref: "refs/heads/main", owner: { id: dev.id }, active: true });
    await dev.client.ok("POST", `/projects/${projectId}/pipeline_schedules/${schedule.id}/variables`, {
      key: "FLAVOUR",
      value: "vanilla",
    });
    const played = await dev.client.call<{ message: string }>(
      "POST",
      `/projects/${projectId}/pipeline_schedules/${schedule.id}/play`,
    );
    expect(played).toMatchObject({ status: 201, body: { message: "201 Created" } });
    await sandbox.idle();
    const detail = await dev.client.ok<{ last_pipeline: { id: number; source: string } | null }>(
      "GET",
      `/projects/${projectId}/pipeline_schedules/${schedule.id}`,
    );
    expect(detail.last_pipeline?.source).toBe("schedule");
    const pipeline = await dev.client.ok<{ user: { id: number }; status: string }>(
      "GET",
      `/projects/${projectId}/pipelines/${detail.last_pipeline?.id}`,
    );
    expect(pipeline).toMatchObject({ user: { id: dev.id }, status: "success" });
    const [job] = await dev.client.ok<Array<{ id: number }>>(
      "GET",
      `/projects/${projectId}/pipelines/${detail.last_pipeline?.id}/jobs`,
    );
    const trace = await fetch(`${sandbox.url}/api/v4/projects/${projectId}/jobs/${job?.id}/trace`, {
      headers: { "PRIVATE-TOKEN": dev.token },
    }).then((r) => r.text());
    expect(trace).toContain("source=schedule prompt=triage open issues flavour=vanilla");
  });

  it("lists schedules, refuses a bad cron and a Reporter, and 404s another project's schedule", async () => {
    const list = await dev.client.ok<Array<{ description: string }>>(
      "GET",
      `/projects/${projectId}/pipeline_schedules`,
    );
    expect(list.map((s) => s.description)).toContain("Nightly triage");
    const bad = await dev.client.call("POST", `/projects/${projectId}/pipeline_schedules`, {
      description: "x",
      ref: "main",
      cron: "every night",
    });
    expect(bad.status).toBe(400);
    const denied = await reporter.client.call("POST", `/projects/${projectId}/pipeline_schedules`, {
      description: "x",
      ref: "main",
      cron: "0 3 * * *",
    });
    expect(denied.status).toBe(403);
    const other = await createProject(admin, { path: "other-scheduled" });
    await addMember(admin, other.id, dev.id, 30);
    expect(
      (await dev.client.call("GET", `/projects/${other.id}/pipeline_schedules/${list.length}`)).status,
    ).toBe(404);
  });
});
