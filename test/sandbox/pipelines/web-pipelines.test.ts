// "Run pipeline" from the UI: POST /<project>/-/pipelines with a ref and variables makes a pipeline with source
// `web` as the user, which a job's rules can select by CI_PIPELINE_SOURCE. The reference:
// https://docs.gitlab.com/ci/pipelines/#run-a-pipeline-manually (Projects::PipelinesController#create).
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

const CI = `manual-run:
  rules:
    - if: $CI_PIPELINE_SOURCE == "web"
  script:
    - echo "source=$CI_PIPELINE_SOURCE input=$AI_FLOW_INPUT"
`;

beforeAll(async () => {
  sandbox = await startSandbox();
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "web-dev");
  reporter = await createUser(admin, "web-reporter");
  const project = await createProject(admin, { path: "web-run", files: { ".gitlab-ci.yml": CI } });
  projectId = project.id;
  await addMember(admin, projectId, dev.id, 30);
  await addMember(admin, projectId, reporter.id, 20);
  await admin.ok("PUT", `/projects/${projectId}`, {
    ci_pipeline_variables_minimum_override_role: "developer",
  });
});

afterAll(async () => {
  await sandbox?.close();
});

const run = (token: string, body: unknown): Promise<Response> =>
  fetch(`${sandbox.url}/root/web-run/-/pipelines`, {
    method: "POST",
    headers: { "PRIVATE-TOKEN": token, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("web pipelines", () => {
  it("runs a pipeline with source web and the form's variables, as the user", async () => {
    const res = await run(dev.token, {
      ref: "main",
      variables_attributes: [{ key: "AI_FLOW_INPUT", secret_value: "summarize the open issues" }],
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await sandbox.idle();
    const pipeline = await dev.client.ok<{ source: string; status: string; user: { id: number } }>(
      "GET",
      `/projects/${projectId}/pipelines/${id}`,
    );
    expect(pipeline).toMatchObject({ source: "web", status: "success", user: { id: dev.id } });
    const [job] = await dev.client.ok<Array<{ id: number }>>(
      "GET",
      `/projects/${projectId}/pipelines/${id}/jobs`,
    );
    const trace = await fetch(`${sandbox.url}/api/v4/projects/${projectId}/jobs/${job?.id}/trace`, {
      headers: { "PRIVATE-TOKEN": dev.token },
    }).then((r) => r.text());
    expect(trace).toContain("source=web input=summarize the open issues");
  });

  it("needs a Developer and a token", async () => {
    expect((await run(reporter.token, { ref: "main" })).status).toBe(403);
    expect((await run("", { ref: "main" })).status).toBe(401);
  });
});
