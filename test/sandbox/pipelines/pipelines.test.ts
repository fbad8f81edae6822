// Pipelines in the sandbox, end to end: created through the trigger and pipeline APIs (plain HTTP and
// @gitbeaker/rest), run by the shell runner with real git and real bash, read back through the jobs API.
import { createPublicKey, verify } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gitlab } from "@gitbeaker/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../../sandbox/server.ts";

interface PipelineJson {
  id: number;
  iid: number;
  project_id: number;
  sha: string;
  ref: string;
  status: string;
  source: string;
  web_url: string;
  user: { id: number; username: string } | null;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
  detailed_status: { group: string };
}

interface JobJson {
  id: number;
  name: string;
  stage: string;
  status: string;
  failure_reason?: string;
  web_url: string;
  pipeline: { id: number; status: string };
  user: { username: string } | null;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
}

const SECRET = "s3cr3t-value-for-masking";

let sandbox: Sandbox;
let admin: RestClient;
let dev: SandboxUser;
let reporter: SandboxUser;
let out: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "pipeline-dev");
  reporter = await createUser(admin, "pipeline-reporter");
  out = await mkdtemp(join(tmpdir(), "sandbox-pipelines-"));
});

afterAll(async () => {
  await sandbox?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

/** A project with this CI file on main, the dev as Developer, the reporter as Reporter. */
async function ciProject(path: string, ci: string, files: Record<string, string> = {}): Promise<number> {
  const project = await createProject(admin, { path, files: { ".gitlab-ci.yml": ci, ...files } });
  await addMember(admin, project.id, dev.id, 30);
  await addMember(admin, project.id, reporter.id, 20);
  return project.id;
}

async function createTrigger(projectId: number): Promise<string> {
  const trigger = await admin.ok<{ token: string }>("POST", `/projects/${projectId}/triggers`, {
    description: "bridge",
  });
  return trigger.token;
}

/** POST /trigger/pipeline as a form, the way curl and gitbeaker send it. */
async function trigger(
  projectId: number | string,
  form: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sandbox.url}/api/v4/projects/${projectId}/trigger/pipeline`, {
    method: "POST",
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
}

async function jobsOf(projectId: number, pipelineId: number): Promise<JobJson[]> {
  return admin.ok<JobJson[]>("GET", `/projects/${projectId}/pipelines/${pipelineId}/jobs`);
}

async function trace(projectId: number, jobId: number): Promise<string> {
  const res = await fetch(`${sandbox.url}/api/v4/projects/${projectId}/jobs/${jobId}/trace`, {
    headers: { "PRIVATE-TOKEN": dev.token },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return res.text();
}

async function onlyJob(projectId: number, pipelineId: number): Promise<{ job: JobJson; log: string }> {
  const jobs = await jobsOf(projectId, pipelineId);
  expect(jobs).toHaveLength(1);
  const job = jobs[0] as JobJson;
  return { job, log: await trace(projectId, job.id) };
}

const SHOW_CI = `
show:
  script:
    - echo "event=$AGENT_BRIDGE_EVENT source=$CI_PIPELINE_SOURCE project=$PROJECT_SETTING"
    - echo "secret=$BRIDGE_SECRET"
    - echo "user=$GITLAB_USER_LOGIN pipeline=$CI_PIPELINE_ID job=$CI_JOB_ID ref=$CI_COMMIT_REF_NAME branch=$CI_COMMIT_BRANCH"
    - test "$CI_PROJECT_DIR" = "$PWD" && test -f .gitlab-ci.yml && echo "checked out in CI_PROJECT_DIR"
    - test "$CI" = true && test "$GITLAB_CI" = true && test "$CI_NODE_TOTAL" = 1 && echo "ci flags ok"
`;

describe("creating and running pipelines", () => {
  let projectId: number;
  let triggerToken: string;

  beforeAll(async () => {
    projectId = await ciProject("show-vars", SHOW_CI);
    await admin.ok("POST", `/projects/${projectId}/variables`, {
      key: "PROJECT_SETTING",
      value: "from-project",
    });
    await admin.ok("POST", `/projects/${projectId}/variables`, {
      key: "BRIDGE_SECRET",
      value: SECRET,
      masked: true,
    });
    triggerToken = await createTrigger(projectId);
  });

  it("runs a triggered pipeline whose job sees trigger variables, project variables and CI_PIPELINE_SOURCE", async () => {
    const created = await trigger(projectId, {
      token: triggerToken,
      ref: "main",
      "variables[AGENT_BRIDGE_EVENT]": "mention",
    });
    expect(created.status).toBe(201);
    const pipeline = created.body as PipelineJson;
    expect(pipeline).toMatchObject({
      project_id: projectId,
      ref: "main",
      source: "trigger",
      iid: expect.any(Number),
    });
    // A trigger runs as its owner: here the admin who created it.
    expect(pipeline.user?.username).toBe("root");
    expect(pipeline.web_url).toBe(`${sandbox.url}/root/show-vars/-/pipelines/${pipeline.id}`);
    expect(pipeline.sha).toMatch(/^[0-9a-f]{40}$/);

    await sandbox.idle();
    const done = await admin.ok<PipelineJson>("GET", `/projects/${projectId}/pipelines/${pipeline.id}`);
    expect(done.status).toBe("success");
    expect(done.detailed_status.group).toBe("success");
    expect(done.started_at).not.toBeNull();
    expect(done.finished_at).not.toBeNull();
    expect(typeof done.duration).toBe("number");

    const { job, log } = await onlyJob(projectId, pipeline.id);
    expect(job).toMatchObject({ name: "show", stage: "test", status: "success" });
    expect(job.failure_reason).toBeUndefined();
    expect(job.web_url).toBe(`${sandbox.url}/root/show-vars/-/jobs/${job.id}`);
    expect(job.pipeline).toMatchObject({ id: pipeline.id, status: "success" });
    expect(log).toContain("event=mention source=trigger project=from-project");
    expect(log).toContain(`user=root pipeline=${pipeline.id} job=${job.id} ref=main branch=main`);
    expect(log).toContain("checked out in CI_PROJECT_DIR");
    expect(log).toContain("ci flags ok");
    expect(log).toContain("Job succeeded");
  });

  it("masks masked variables in the stored trace", async () => {
    const created = await trigger(projectId, { token: triggerToken, ref: "main" });
    expect(created.status).toBe(201);
    await sandbox.idle();
    const { log } = await onlyJob(projectId, (created.body as PipelineJson).id);
    expect(log).toContain("secret=[MASKED]");
    expect(log).not.toContain(SECRET);
  });

  it("runs a pipeline created with a user token: source api, variables as a list, the caller as its user", async () => {
    const created = await dev.client.call<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      variables: [{ key: "AGENT_BRIDGE_EVENT", value: "from-api", variable_type: "env_var" }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ source: "api", status: expect.any(String) });
    expect(created.body.user?.username).toBe("pipeline-dev");
    await sandbox.idle();
    const { job, log } = await onlyJob(projectId, created.body.id);
    expect(job.status).toBe("success");
    expect(job.user?.username).toBe("pipeline-dev");
    expect(log).toContain("event=from-api source=api project=from-project");
    const variables = await dev.client.ok(
      "GET",
      `/projects/${projectId}/pipelines/${created.body.id}/variables`,
    );
    expect(variables).toEqual([{ key: "AGENT_BRIDGE_EVENT", variable_type: "env_var", value: "from-api" }]);
  });

  it("takes the ref from the query string and the variables from the JSON body", async () => {
    const created = await dev.client.call<PipelineJson>("POST", `/projects/${projectId}/pipeline?ref=main`, {
      variables: [{ key: "AGENT_BRIDGE_EVENT", value: "query-ref" }],
    });
    expect(created.status).toBe(201);
    await sandbox.idle();
    expect((await onlyJob(projectId, created.body.id)).log).toContain("event=query-ref source=api");
  });

  it("works unchanged through @gitbeaker/rest (Pipelines.create and PipelineTriggerTokens.trigger)", async () => {
    const api = new Gitlab({ host: sandbox.url, token: dev.token });
    const viaApi = await api.Pipelines.create(projectId, "main", {
      variables: [{ key: "AGENT_BRIDGE_EVENT", value: "gitbeaker-api" }],
    });
    expect(viaApi.source).toBe("api");
    const viaTrigger = await api.PipelineTriggerTokens.trigger(projectId, "main", triggerToken, {
      variables: { AGENT_BRIDGE_EVENT: "gitbeaker-trigger" },
    });
    expect(viaTrigger.source).toBe("trigger");
    await sandbox.idle();
    const shown = await api.Pipelines.show(projectId, viaTrigger.id);
    expect(shown.status).toBe("success");
    const jobs = await api.Jobs.all(projectId, { pipelineId: viaTrigger.id });
    expect(jobs.map((j) => j.name)).toEqual(["show"]);
    const log = await api.Jobs.showLog(projectId, jobs[0]!.id);
    expect(String(log)).toContain("event=gitbeaker-trigger source=trigger");
    expect((await onlyJob(projectId, viaApi.id)).log).toContain("event=gitbeaker-api source=api");
  });

  it("refuses a wrong trigger token with 404 and missing parameters with Grape's errors", async () => {
    const wrong = await trigger(projectId, { token: "glptt-wrong", ref: "main" });
    expect(wrong).toEqual({ status: 404, body: { message: "404 Not Found" } });
    const missing = await trigger(projectId, {});
    expect(missing).toEqual({ status: 400, body: { error: "ref is missing, token is missing" } });
    const noProject = await trigger(9999, { token: triggerToken, ref: "main" });
    expect(noProject.status).toBe(404);
  });

  it("refuses pipelines for a reporter (403), an unknown ref and a ref without a CI file (400)", async () => {
    const denied = await reporter.client.call("POST", `/projects/${projectId}/pipeline`, { ref: "main" });
    expect(denied.status).toBe(403);
    const noRef = await dev.client.call("POST", `/projects/${projectId}/pipeline`, { ref: "no-such-branch" });
    expect(noRef).toMatchObject({ status: 400, body: { message: { base: ["Reference not found"] } } });
    const noRefTrigger = await trigger(projectId, { token: triggerToken, ref: "no-such-branch" });
    expect(noRefTrigger).toEqual({ status: 400, body: { message: { base: ["Reference not found"] } } });
    const missingRef = await dev.client.call("POST", `/projects/${projectId}/pipeline`, {});
    expect(missingRef).toMatchObject({ status: 400, body: { error: "ref is missing" } });

    const bare = await createProject(admin, { path: "no-ci" });
    await addMember(admin, bare.id, dev.id, 30);
    const noCi = await dev.client.call("POST", `/projects/${bare.id}/pipeline`, { ref: "main" });
    expect(noCi).toMatchObject({ status: 400, body: { message: { base: ["Missing CI config file"] } } });
  });

  it("lists pipelines newest first with filters and GitLab's pagination headers", async () => {
    const all = await dev.client.call<PipelineJson[]>("GET", `/projects/${projectId}/pipelines?per_page=2`);
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(2);
    const ids = all.body.map((p) => p.id);
    expect(ids[0]).toBeGreaterThan(ids[1] as number);
    expect(Number(all.headers.get("x-total"))).toBeGreaterThanOrEqual(6);
    expect(all.headers.get("x-next-page")).toBe("2");
    const triggered = await dev.client.ok<PipelineJson[]>(
      "GET",
      `/projects/${projectId}/pipelines?source=trigger&status=success&per_page=100`,
    );
    expect(triggered.length).toBeGreaterThanOrEqual(3);
    expect(triggered.every((p) => p.source === "trigger" && p.status === "success")).toBe(true);
    const asc = await dev.client.ok<PipelineJson[]>("GET", `/projects/${projectId}/pipelines?sort=asc`);
    expect(asc[0]?.iid).toBe(1);
    const none = await dev.client.ok<PipelineJson[]>("GET", `/projects/${projectId}/pipelines?ref=other`);
    expect(none).toEqual([]);
    const jobs = await dev.client.ok<JobJson[]>("GET", `/projects/${projectId}/jobs?scope[]=success`);
    expect(jobs.length).toBeGreaterThanOrEqual(6);
    expect(jobs.every((j) => j.status === "success")).toBe(true);
    const failedJobs = await dev.client.ok<JobJson[]>("GET", `/projects/${projectId}/jobs?scope=failed`);
    expect(failedJobs).toEqual([]);
    const missing = await dev.client.call("GET", `/projects/${projectId}/pipelines/99999`);
    expect(missing).toMatchObject({ status: 404, body: { message: "404 Not found" } });
  });
});

// GitLab's "Use a webhook" (https://docs.gitlab.com/ci/triggers/#use-a-webhook): a project webhook pointed at
// POST /projects/:id/ref/:ref/trigger/pipeline?token=... starts a pipeline per event, and the job finds the
// hook's JSON as TRIGGER_PAYLOAD, a file-type variable (gitlabhq lib/api/ci/triggers.rb,
// app/services/ci/pipeline_trigger_service.rb#payload_variable: the params without the token, as JSON).
describe("the trigger API as a webhook's target", () => {
  const PAYLOAD_CI = `
payload:
  script:
    - echo "source=$CI_PIPELINE_SOURCE triggered=$CI_PIPELINE_TRIGGERED extra=$EXTRA"
    - test -f "$TRIGGER_PAYLOAD" && echo "payload is a file"
    - >-
      node -e 'const p = JSON.parse(require("fs").readFileSync(process.env.TRIGGER_PAYLOAD, "utf8"));
      console.log("payload=" + JSON.stringify({ kind: p.object_kind, note: p.object_attributes?.note,
      ref: p.ref, id: p.id, variables: p.variables, token: "token" in p }))'
`;
  let projectId: number;
  let triggerToken: string;

  beforeAll(async () => {
    projectId = await ciProject("webhook-trigger", PAYLOAD_CI);
    triggerToken = await createTrigger(projectId);
  });

  async function payloadLine(pipelineId: number): Promise<string> {
    const { job, log } = await onlyJob(projectId, pipelineId);
    expect(job.status).toBe("success");
    expect(log).toContain("payload is a file");
    return /^payload=(.*)$/m.exec(log)?.[1] ?? "";
  }

  it("starts a pipeline for each comment, with the Note Hook in the TRIGGER_PAYLOAD file", async () => {
    await admin.ok("POST", `/projects/${projectId}/hooks`, {
      url: `${sandbox.url}/api/v4/projects/${projectId}/ref/main/trigger/pipeline?token=${triggerToken}`,
      note_events: true,
      push_events: false,
    });
    const issue = await dev.client.ok<{ iid: number }>("POST", `/projects/${projectId}/issues`, {
      title: "hooked",
    });
    await dev.client.ok("POST", `/projects/${projectId}/issues/${issue.iid}/notes`, { body: "@claude hi" });
    await sandbox.idle();
    const hooks = await admin.ok<Array<{ id: number }>>("GET", `/projects/${projectId}/hooks`);
    const events = await admin.ok<Array<{ response_status: string | number }>>(
      "GET",
      `/projects/${projectId}/hooks/${hooks[0]?.id}/events`,
    );
    expect(events.map((e) => String(e.response_status))).toEqual(["201"]);
    const pipelines = await admin.ok<PipelineJson[]>("GET", `/projects/${projectId}/pipelines`);
    expect(pipelines).toHaveLength(1);
    expect(pipelines[0]).toMatchObject({ source: "trigger", ref: "main" });
    const { log } = await onlyJob(projectId, pipelines[0]?.id ?? 0);
    expect(log).toContain("source=trigger triggered=true");
    expect(JSON.parse(await payloadLine(pipelines[0]?.id ?? 0))).toEqual({
      kind: "note",
      note: "@claude hi",
      ref: "main",
      id: String(projectId),
      variables: {},
      token: false,
    });
    // The payload is the pipeline's own variable, of file type, as GitLab lists it.
    const variables = await admin.ok<Array<{ key: string; variable_type: string }>>(
      "GET",
      `/projects/${projectId}/pipelines/${pipelines[0]?.id}/variables`,
    );
    expect(variables.map((v) => [v.key, v.variable_type])).toEqual([["TRIGGER_PAYLOAD", "file"]]);
  });

  it("passes a plain trigger's own parameters as TRIGGER_PAYLOAD too, next to its variables", async () => {
    const created = await trigger(projectId, { token: triggerToken, ref: "main", "variables[EXTRA]": "x" });
    expect(created.status).toBe(201);
    await sandbox.idle();
    const pipelineId = (created.body as PipelineJson).id;
    expect((await onlyJob(projectId, pipelineId)).log).toContain("extra=x");
    expect(JSON.parse(await payloadLine(pipelineId))).toMatchObject({
      ref: "main",
      id: String(projectId),
      variables: { EXTRA: "x" },
      token: false,
    });
  });

  it("refuses a Pipeline Hook (403) and a variable named TRIGGER_PAYLOAD", async () => {
    const url = `${sandbox.url}/api/v4/projects/${projectId}/ref/main/trigger/pipeline?token=${triggerToken}`;
    const hook = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gitlab-event": "Pipeline Hook" },
      body: JSON.stringify({ object_kind: "pipeline" }),
    });
    expect(hook.status).toBe(403);
    const duplicate = await trigger(projectId, {
      token: triggerToken,
      ref: "main",
      "variables[TRIGGER_PAYLOAD]": "mine",
    });
    expect(duplicate).toEqual({
      status: 400,
      body: { message: { base: ["Duplicate variable name: TRIGGER_PAYLOAD"] } },
    });
  });
});

describe("ci_pipeline_variables_minimum_override_role", () => {
  const INPUTS_CI = `
spec:
  inputs:
    event:
      default: none
    count:
      type: number
      default: 1
---
echo:
  script:
    - echo "input-event=$[[ inputs.event ]] count=$[[ inputs.count ]] var=$EXTRA"
`;
  let projectId: number;
  let triggerToken: string;

  beforeAll(async () => {
    projectId = await ciProject("override-role", INPUTS_CI);
    triggerToken = await createTrigger(projectId);
    await admin.ok("PUT", `/projects/${projectId}`, {
      ci_pipeline_variables_minimum_override_role: "no_one_allowed",
    });
  });

  const refused = { message: { base: ["Insufficient permissions to set pipeline variables"] } };

  it("refuses variables when no one is allowed, through both APIs, for admins too", async () => {
    const viaTrigger = await trigger(projectId, {
      token: triggerToken,
      ref: "main",
      "variables[EXTRA]": "x",
    });
    expect(viaTrigger).toEqual({ status: 400, body: refused });
    const viaApi = await admin.call("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      variables: [{ key: "EXTRA", value: "x" }],
    });
    expect(viaApi).toMatchObject({ status: 400, body: refused });
    const list = await admin.ok<unknown[]>("GET", `/projects/${projectId}/pipelines`);
    expect(list).toEqual([]);
  });

  it("still accepts inputs declared under spec: inputs: through the pipeline API", async () => {
    const viaApi = await dev.client.call<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      inputs: { event: "api-input", count: 3 },
    });
    expect(viaApi.status).toBe(201);
    await sandbox.idle();
    expect((await onlyJob(projectId, viaApi.body.id)).log).toContain("input-event=api-input count=3 var=");
  });

  it("refuses every trigger pipeline, inputs only too: TRIGGER_PAYLOAD is a pipeline variable", async () => {
    // Ci::PipelineTriggerService#variables always adds the payload variable, and
    // Gitlab::Ci::Pipeline::Chain::Build::Associations#apply_permissions refuses any variables the trigger's
    // owner may not set (gitlabhq app/services/ci/pipeline_trigger_service.rb,
    // lib/gitlab/ci/pipeline/chain/build/associations.rb).
    const viaTrigger = await trigger(projectId, {
      token: triggerToken,
      ref: "main",
      "inputs[event]": "mention",
    });
    expect(viaTrigger).toEqual({ status: 400, body: refused });
  });

  it("allows variables from the configured role up: maintainer refuses a developer, accepts a maintainer", async () => {
    await admin.ok("PUT", `/projects/${projectId}`, {
      ci_pipeline_variables_minimum_override_role: "maintainer",
    });
    const body = { ref: "main", variables: [{ key: "EXTRA", value: "allowed" }] };
    expect(await dev.client.call("POST", `/projects/${projectId}/pipeline`, body)).toMatchObject({
      status: 400,
      body: refused,
    });
    const ok = await admin.call<PipelineJson>("POST", `/projects/${projectId}/pipeline`, body);
    expect(ok.status).toBe(201);
    // An empty list is no variables at all, as in GitLab.
    const empty = await dev.client.call("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      variables: [],
    });
    expect(empty.status).toBe(201);
    await sandbox.idle();
    expect((await onlyJob(projectId, ok.body.id)).log).toContain("var=allowed");
  });

  it("reports a wrong input as the plan's error", async () => {
    const wrong = await dev.client.call<{ message: { base: string[] } }>(
      "POST",
      `/projects/${projectId}/pipeline`,
      {
        ref: "main",
        inputs: { nope: "x" },
      },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.message.base).toHaveLength(1);
    expect(wrong.body.message.base[0]).toMatch(/nope/);
  });
});

describe("rules", () => {
  const RULES_CI = `
from-api:
  rules:
    - if: $CI_PIPELINE_SOURCE == "api"
  script: echo api
from-trigger:
  rules:
    - if: $CI_PIPELINE_SOURCE == "trigger"
  script: echo trigger
only-mentions:
  rules:
    - if: $AGENT_BRIDGE_EVENT == "mention"
  script: echo mention
`;
  let projectId: number;
  let triggerToken: string;

  beforeAll(async () => {
    projectId = await ciProject("rules", RULES_CI);
    triggerToken = await createTrigger(projectId);
  });

  it("select jobs by $CI_PIPELINE_SOURCE and by pipeline variables", async () => {
    const viaApi = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
    });
    const viaTrigger = await trigger(projectId, {
      token: triggerToken,
      ref: "main",
      "variables[AGENT_BRIDGE_EVENT]": "mention",
    });
    expect(viaTrigger.status).toBe(201);
    await sandbox.idle();
    expect((await jobsOf(projectId, viaApi.id)).map((j) => j.name)).toEqual(["from-api"]);
    const triggered = await jobsOf(projectId, (viaTrigger.body as PipelineJson).id);
    expect(triggered.map((j) => j.name).sort()).toEqual(["from-trigger", "only-mentions"]);
    expect(triggered.every((j) => j.status === "success")).toBe(true);
  });

  it("refuses a pipeline whose rules select no job, with GitLab's message", async () => {
    await admin.ok("POST", `/projects/${projectId}/repository/commits`, {
      branch: "only-trigger",
      start_branch: "main",
      commit_message: "Only the trigger job",
      actions: [
        {
          action: "update",
          file_path: ".gitlab-ci.yml",
          content: 'job:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "trigger"\n  script: echo hi\n',
        },
      ],
    });
    const refused = await dev.client.call("POST", `/projects/${projectId}/pipeline`, { ref: "only-trigger" });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        message: {
          base: [
            "Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.",
          ],
        },
      },
    });
  });
});

describe("job execution", () => {
  it("fails a job at its timeout with job_execution_timeout", async () => {
    const projectId = await ciProject(
      "timeout",
      "slow:\n  timeout: 2s\n  script:\n    - echo started\n    - sleep 30\n    - echo never\n",
    );
    const created = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
    });
    await sandbox.idle();
    const { job, log } = await onlyJob(projectId, created.id);
    expect(job.status).toBe("failed");
    expect(job.failure_reason).toBe("job_execution_timeout");
    expect(log).toContain("started");
    expect(log).not.toContain("never");
    expect(log).toContain("execution took longer than");
    const pipeline = await dev.client.ok<PipelineJson>(
      "GET",
      `/projects/${projectId}/pipelines/${created.id}`,
    );
    expect(pipeline.status).toBe("failed");
  });

  it("uses the sandbox's default timeout when the job sets none", async () => {
    const short = await startSandbox({ jobTimeoutSeconds: 1 });
    try {
      const shortAdmin = new RestClient(short.url, short.adminToken);
      const project = await createProject(shortAdmin, {
        path: "default-timeout",
        files: { ".gitlab-ci.yml": "slow:\n  script: sleep 30\n" },
      });
      const created = await shortAdmin.ok<PipelineJson>("POST", `/projects/${project.id}/pipeline`, {
        ref: "main",
      });
      await short.idle();
      const jobs = await shortAdmin.ok<JobJson[]>(
        "GET",
        `/projects/${project.id}/pipelines/${created.id}/jobs`,
      );
      expect(jobs[0]).toMatchObject({ status: "failed", failure_reason: "job_execution_timeout" });
    } finally {
      await short.close();
    }
  });

  it("gives each job a CI_JOB_TOKEN that clones and reads the API but cannot write, revoked afterwards", async () => {
    const ci = `
token:
  script:
    - echo "$CI_JOB_TOKEN" > "$OUT_DIR/job-token"
    - git clone --quiet "$CI_REPOSITORY_URL" "$CI_BUILDS_DIR/again" && test -f "$CI_BUILDS_DIR/again/marker.txt" && echo "clone ok"
    - 'curl -sf -H "JOB-TOKEN: $CI_JOB_TOKEN" "$CI_API_V4_URL/job" > "$OUT_DIR/job.json"'
    - 'curl -sf -H "JOB-TOKEN: $CI_JOB_TOKEN" "$CI_API_V4_URL/projects/$CI_PROJECT_ID" > /dev/null && echo "project ok"'
    - 'code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "JOB-TOKEN: $CI_JOB_TOKEN" -d body=hi "$CI_API_V4_URL/projects/$CI_PROJECT_ID/issues/1/notes"); echo "note status $code"'
    - 'echo "repository url $CI_REPOSITORY_URL"'
`;
    const projectId = await ciProject("job-token", ci, { "marker.txt": "here\n" });
    const created = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      variables: [{ key: "OUT_DIR", value: out }],
    });
    await sandbox.idle();
    const { job, log } = await onlyJob(projectId, created.id);
    expect(log).toContain("clone ok");
    expect(log).toContain("project ok");
    expect(log).toMatch(/note status 40[13]/);
    // The job token is masked wherever it appears, the clone URL included.
    expect(log).toMatch(
      /repository url http:\/\/gitlab-ci-token:\[MASKED\]@127\.0\.0\.1:\d+\/root\/job-token\.git/,
    );
    expect(job.status).toBe("success");
    const self = JSON.parse(await readFile(join(out, "job.json"), "utf8")) as JobJson;
    expect(self).toMatchObject({
      id: job.id,
      name: "token",
      status: "running",
      pipeline: { id: created.id },
    });
    const token = (await readFile(join(out, "job-token"), "utf8")).trim();
    expect(token).toMatch(/^glcbt-/);
    expect(log).not.toContain(token);
    const after = await fetch(`${sandbox.url}/api/v4/job`, { headers: { "JOB-TOKEN": token } });
    expect(after.status).toBe(401);
    const noToken = await fetch(`${sandbox.url}/api/v4/job`);
    expect(noToken.status).toBe(401);
  });

  it("cancels a running pipeline: the job is killed, later jobs never start", async () => {
    const projectId = await ciProject(
      "cancel",
      "stages: [one, two]\nlong:\n  stage: one\n  script:\n    - echo started\n    - sleep 60\nlater:\n  stage: two\n  script: echo later\n",
    );
    const created = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
    });
    // Wait until the job has really started (its first line is in the trace).
    for (let i = 0; i < 200; i++) {
      const [first] = await jobsOf(projectId, created.id);
      if (first && first.status === "running" && (await trace(projectId, first.id)).includes("started"))
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const canceled = await dev.client.call<PipelineJson>(
      "POST",
      `/projects/${projectId}/pipelines/${created.id}/cancel`,
    );
    expect(canceled.status).toBe(200);
    await sandbox.idle();
    const pipeline = await dev.client.ok<PipelineJson>(
      "GET",
      `/projects/${projectId}/pipelines/${created.id}`,
    );
    expect(pipeline.status).toBe("canceled");
    const jobs = await jobsOf(projectId, created.id);
    expect(jobs.map((j) => [j.name, j.status])).toEqual([
      ["long", "canceled"],
      ["later", "canceled"],
    ]);
    const cancelJob = await dev.client.call<JobJson>(
      "POST",
      `/projects/${projectId}/jobs/${jobs[0]!.id}/cancel`,
    );
    expect(cancelJob).toMatchObject({ status: 201, body: { status: "canceled" } });
  });

  it("runs stages in order, skips on_success jobs after a failure and runs on_failure ones", async () => {
    const projectId = await ciProject(
      "stages",
      [
        "stages: [build, test, report]",
        "build:\n  stage: build\n  script: exit 3",
        "allowed:\n  stage: build\n  allow_failure: true\n  script: exit 1",
        "test:\n  stage: test\n  script: echo test",
        "report:\n  stage: report\n  when: on_failure\n  script: echo report",
      ].join("\n"),
    );
    const created = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
    });
    await sandbox.idle();
    const jobs = await jobsOf(projectId, created.id);
    expect(Object.fromEntries(jobs.map((j) => [j.name, j.status]))).toEqual({
      build: "failed",
      allowed: "failed",
      test: "skipped",
      report: "success",
    });
    expect(jobs.find((j) => j.name === "build")?.failure_reason).toBe("script_failure");
    const pipeline = await dev.client.ok<PipelineJson>(
      "GET",
      `/projects/${projectId}/pipelines/${created.id}`,
    );
    expect(pipeline.status).toBe("failed");
  });

  it("runs jobs of concurrent pipelines at most two at a time", async () => {
    const dir = await mkdtemp(join(out, "slots-"));
    // Each job marks itself running, waits until a second job runs too (or two have finished), then records
    // how many were running. One slot would never meet the barrier; three would record 3.
    const ci = `
slot:
  script:
    - mkdir -p "$SLOT_DIR/running" "$SLOT_DIR/done"
    - touch "$SLOT_DIR/running/$CI_JOB_ID"
    - |
      for i in $(seq 100); do
        [ "$(ls "$SLOT_DIR/running" | wc -l)" -ge 2 ] && break
        [ "$(ls "$SLOT_DIR/done" | wc -l)" -ge 2 ] && break
        sleep 0.1
      done
    - sleep 0.5
    - ls "$SLOT_DIR/running" | wc -l > "$SLOT_DIR/seen-$CI_JOB_ID"
    - rm "$SLOT_DIR/running/$CI_JOB_ID" && touch "$SLOT_DIR/done/$CI_JOB_ID"
`;
    const projectId = await ciProject("slots", ci);
    const body = { ref: "main", variables: [{ key: "SLOT_DIR", value: dir }] };
    const created = await Promise.all(
      [1, 2, 3].map(() => dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, body)),
    );
    await sandbox.idle();
    const seen: number[] = [];
    for (const p of created) {
      const [job] = await jobsOf(projectId, p.id);
      expect(job?.status).toBe("success");
      seen.push(Number((await readFile(join(dir, `seen-${job!.id}`), "utf8")).trim()));
    }
    expect(Math.max(...seen)).toBe(2);
  });

  it("mints id_tokens as RS256 JWTs that verify against the sandbox's JWKS", async () => {
    const ci = `
oidc:
  id_tokens:
    BRIDGE_ID_TOKEN:
      aud: https://sts.example.com
  script:
    - echo "$BRIDGE_ID_TOKEN" > "$OUT_DIR/id-token"
    - echo "token=$BRIDGE_ID_TOKEN"
`;
    const projectId = await ciProject("oidc", ci);
    const created = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      variables: [{ key: "OUT_DIR", value: out }],
    });
    await sandbox.idle();
    const { job, log } = await onlyJob(projectId, created.id);
    expect(job.status).toBe("success");
    expect(log).toContain("token=[MASKED]");
    const jwt = (await readFile(join(out, "id-token"), "utf8")).trim();
    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    const config = (await (await fetch(`${sandbox.url}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(config.issuer).toBe(sandbox.url);
    const jwks = (await (await fetch(config.jwks_uri)).json()) as { keys: Array<{ kid: string }> };
    const head = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as {
      alg: string;
      kid: string;
    };
    expect(head.alg).toBe("RS256");
    const jwk = jwks.keys.find((k) => k.kid === head.kid);
    expect(jwk).toBeDefined();
    const key = createPublicKey({ key: jwk as never, format: "jwk" });
    expect(
      verify("sha256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")),
    ).toBe(true);
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: sandbox.url,
      aud: "https://sts.example.com",
      sub: "project_path:root/oidc:ref_type:branch:ref:main",
      project_id: String(projectId),
      project_path: "root/oidc",
      namespace_path: "root",
      ref: "main",
      ref_type: "branch",
      pipeline_id: String(created.id),
      job_id: String(job.id),
      user_login: "pipeline-dev",
    });
    const now = Math.floor(Date.now() / 1000);
    expect(claims["exp"] as number).toBeGreaterThan(now);
    expect(claims["nbf"] as number).toBeLessThanOrEqual(now);
  });

  it("writes file-type variables (project and pipeline) to files and passes their paths", async () => {
    const ci = [
      "files:",
      "  script:",
      '    - test -f "$CONFIG_FILE" && echo "content=$(cat "$CONFIG_FILE")"',
      '    - test -f "$RUN_FILE" && echo "run=$(cat "$RUN_FILE")"',
    ].join("\n");
    const projectId = await ciProject("file-vars", ci);
    await admin.ok("POST", `/projects/${projectId}/variables`, {
      key: "CONFIG_FILE",
      value: "from-a-file",
      variable_type: "file",
    });
    const created = await dev.client.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
      variables: [{ key: "RUN_FILE", value: "from-the-pipeline", variable_type: "file" }],
    });
    await sandbox.idle();
    const { job, log } = await onlyJob(projectId, created.id);
    expect(job.status).toBe("success");
    expect(log).toContain("content=from-a-file");
    expect(log).toContain("run=from-the-pipeline");
  });
});

describe("without a runner (runPipelines: false)", () => {
  let quiet: Sandbox;
  let quietAdmin: RestClient;
  let projectId: number;

  beforeAll(async () => {
    quiet = await startSandbox({ runPipelines: false });
    quietAdmin = new RestClient(quiet.url, quiet.adminToken);
    const project = await createProject(quietAdmin, {
      path: "queued",
      files: {
        ".gitlab-ci.yml":
          "stages: [a, b]\nfirst:\n  stage: a\n  script: echo 1\nsecond:\n  stage: b\n  script: echo 2\n",
      },
    });
    projectId = project.id;
  });

  afterAll(async () => {
    await quiet?.close();
  });

  it("leaves the pipeline pending with its first stage pending, and cancels it", async () => {
    const created = await quietAdmin.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
    });
    expect(created.status).toBe("pending");
    const jobs = await quietAdmin.ok<JobJson[]>("GET", `/projects/${projectId}/pipelines/${created.id}/jobs`);
    expect(jobs.map((j) => [j.name, j.status])).toEqual([
      ["first", "pending"],
      ["second", "created"],
    ]);
    expect(quiet.services.pipelines.busy()).toBe(false);
    const latest = await quietAdmin.ok<PipelineJson>("GET", `/projects/${projectId}/pipelines/latest`);
    expect(latest.id).toBe(created.id);
    const canceled = await quietAdmin.ok<PipelineJson>(
      "POST",
      `/projects/${projectId}/pipelines/${created.id}/cancel`,
    );
    expect(canceled.status).toBe("canceled");
    const after = await quietAdmin.ok<JobJson[]>("GET", `/projects/${projectId}/jobs?scope[]=canceled`);
    expect(after.map((j) => j.name)).toEqual(["second", "first"]);
  });

  it("cancels one waiting job, and deletes a pipeline with its jobs", async () => {
    const created = await quietAdmin.ok<PipelineJson>("POST", `/projects/${projectId}/pipeline`, {
      ref: "main",
    });
    const [first] = await quietAdmin.ok<JobJson[]>(
      "GET",
      `/projects/${projectId}/pipelines/${created.id}/jobs`,
    );
    const canceled = await quietAdmin.call<JobJson>(
      "POST",
      `/projects/${projectId}/jobs/${first!.id}/cancel`,
    );
    expect(canceled).toMatchObject({ status: 201, body: { id: first!.id, status: "canceled" } });
    const removed = await quietAdmin.call("DELETE", `/projects/${projectId}/pipelines/${created.id}`);
    expect(removed.status).toBe(204);
    expect((await quietAdmin.call("GET", `/projects/${projectId}/pipelines/${created.id}`)).status).toBe(404);
    expect((await quietAdmin.call("GET", `/projects/${projectId}/jobs/${first!.id}`)).status).toBe(404);
  });
});

describe("closing the sandbox", () => {
  it("stops running jobs instead of waiting for them", async () => {
    const busy = await startSandbox();
    const busyAdmin = new RestClient(busy.url, busy.adminToken);
    const project = await createProject(busyAdmin, {
      path: "long",
      files: { ".gitlab-ci.yml": "long:\n  script:\n    - sleep 120\n" },
    });
    await busyAdmin.ok("POST", `/projects/${project.id}/pipeline`, { ref: "main" });
    for (let i = 0; i < 200; i++) {
      const [job] = await busyAdmin.ok<JobJson[]>("GET", `/projects/${project.id}/jobs`);
      if (job?.status === "running") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(busy.services.pipelines.busy()).toBe(true);
    await busy.close();
    expect(busy.services.pipelines.busy()).toBe(false);
    const [pipeline] = [...busy.services.state.pipelines.values()];
    expect(pipeline?.status).toBe("canceled");
  });
});
