// `artifacts:` in the sandbox runner, through the pipeline and jobs APIs: files uploaded from the checkout and
// read back with GET /projects/:id/jobs/:job_id/artifacts/*artifact_path, `when`, and a dotenv report whose
// variables reach the jobs of later stages above their YAML variables and below the project's. The reference:
// https://docs.gitlab.com/ci/yaml/#artifacts, https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportsdotenv,
// https://docs.gitlab.com/ci/variables/#cicd-variable-precedence and https://docs.gitlab.com/api/job_artifacts/.
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

beforeAll(async () => {
  sandbox = await startSandbox();
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "artifacts-dev");
});

afterAll(async () => {
  await sandbox?.close();
});

const CI = `stages: [build, test]
produce:
  stage: build
  script:
    - mkdir -p out
    - echo '{"ok":true}' > out/report.json
    - printf 'FROM_DOTENV=built\\nSHADOWED=dotenv\\nPROJECT_WINS=dotenv\\n' > out/build.env
  artifacts:
    paths: [out/report.json]
    reports:
      dotenv: out/build.env
consume:
  stage: test
  variables:
    SHADOWED: yaml
  script:
    - echo "got $FROM_DOTENV $SHADOWED $PROJECT_WINS"
broken:
  stage: test
  script:
    - echo partial > kept.txt
    - exit 3
  artifacts:
    when: always
    paths: [kept.txt]
`;

async function jobsOf(projectId: number, pipelineId: number): Promise<Map<string, number>> {
  const jobs = await dev.client.ok<Array<{ id: number; name: string }>>(
    "GET",
    `/projects/${projectId}/pipelines/${pipelineId}/jobs`,
  );
  return new Map(jobs.map((j) => [j.name, j.id]));
}

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, { headers: { "PRIVATE-TOKEN": dev.token } });
  return { status: res.status, text: await res.text() };
}

describe("artifacts", () => {
  it("uploads paths and a dotenv report, serves them, and passes the dotenv on to later stages", async () => {
    const project = await createProject(admin, { path: "artifacts", files: { ".gitlab-ci.yml": CI } });
    await addMember(admin, project.id, dev.id, 30);
    await admin.ok("POST", `/projects/${project.id}/variables`, { key: "PROJECT_WINS", value: "project" });
    const pipeline = await dev.client.ok<{ id: number }>("POST", `/projects/${project.id}/pipeline`, {
      ref: "main",
    });
    await sandbox.idle();
    const jobs = await jobsOf(project.id, pipeline.id);
    const produce = jobs.get("produce") as number;
    const report = await get(`/projects/${project.id}/jobs/${produce}/artifacts/out/report.json`);
    expect(report).toEqual({ status: 200, text: '{"ok":true}\n' });
    expect((await get(`/projects/${project.id}/jobs/${produce}/artifacts/out/build.env`)).text).toContain(
      "FROM_DOTENV=built",
    );
    expect((await get(`/projects/${project.id}/jobs/${produce}/artifacts/out/missing.json`)).status).toBe(
      404,
    );
    // Dotenv beats the job's YAML variable, the project's variable beats the dotenv.
    const consume = await get(`/projects/${project.id}/jobs/${jobs.get("consume")}/trace`);
    expect(consume.text).toContain("got built dotenv project");
    // when: always keeps the artifacts of a failed job.
    const kept = await get(`/projects/${project.id}/jobs/${jobs.get("broken")}/artifacts/kept.txt`);
    expect(kept).toEqual({ status: 200, text: "partial\n" });
  });

  it("uploads nothing for a failed job by default (when: on_success)", async () => {
    const ci = "failing:\n  script:\n    - echo x > x.txt\n    - exit 1\n  artifacts:\n    paths: [x.txt]\n";
    const project = await createProject(admin, { path: "artifacts-failed", files: { ".gitlab-ci.yml": ci } });
    await addMember(admin, project.id, dev.id, 30);
    const pipeline = await dev.client.ok<{ id: number }>("POST", `/projects/${project.id}/pipeline`, {
      ref: "main",
    });
    await sandbox.idle();
    const jobs = await jobsOf(project.id, pipeline.id);
    expect((await get(`/projects/${project.id}/jobs/${jobs.get("failing")}/artifacts/x.txt`)).status).toBe(
      404,
    );
  });
});
