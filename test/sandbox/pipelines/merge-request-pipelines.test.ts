// Merge request pipelines through the API: opening a merge request, and pushing to its source branch, make a
// `merge_request_event` pipeline on refs/merge-requests/<iid>/head when the configuration selects jobs for it,
// with GitLab's CI_MERGE_REQUEST_* variables, no CI_COMMIT_BRANCH, and no protected variables for an
// unprotected source branch; a configuration that selects nothing makes no pipeline. The reference:
// https://docs.gitlab.com/ci/pipelines/merge_request_pipelines/,
// https://docs.gitlab.com/ci/variables/predefined_variables/#predefined-variables-for-merge-request-pipelines
// and https://docs.gitlab.com/ci/variables/#protect-a-cicd-variable.
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

const CI = `mr-job:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - echo "iid=$CI_MERGE_REQUEST_IID ref=$CI_COMMIT_REF_NAME branch=[$CI_COMMIT_BRANCH] target=$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - echo "title=$CI_MERGE_REQUEST_TITLE type=$CI_MERGE_REQUEST_EVENT_TYPE open=[$OPEN] protected=[$PROT]"
`;

beforeAll(async () => {
  sandbox = await startSandbox();
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "mr-pipeline-dev");
});

afterAll(async () => {
  await sandbox?.close();
});

async function project(path: string, ci: string): Promise<number> {
  const created = await createProject(admin, { path, files: { ".gitlab-ci.yml": ci } });
  await addMember(admin, created.id, dev.id, 30);
  return created.id;
}

async function openMergeRequest(projectId: number, branch: string): Promise<{ iid: number }> {
  await dev.client.ok("POST", `/projects/${projectId}/repository/commits`, {
    branch,
    start_branch: "main",
    commit_message: "Work",
    actions: [{ action: "create", file_path: `${branch}.txt`, content: "x\n" }],
  });
  return dev.client.ok("POST", `/projects/${projectId}/merge_requests`, {
    source_branch: branch,
    target_branch: "main",
    title: "Add the work",
  });
}

type PipelineJson = { id: number; source: string; ref: string; sha: string; status: string };

async function pipelines(projectId: number): Promise<PipelineJson[]> {
  await sandbox.idle();
  return dev.client.ok<PipelineJson[]>("GET", `/projects/${projectId}/pipelines`);
}

async function trace(projectId: number, pipelineId: number): Promise<string> {
  const [job] = await dev.client.ok<Array<{ id: number }>>(
    "GET",
    `/projects/${projectId}/pipelines/${pipelineId}/jobs`,
  );
  const res = await fetch(`${sandbox.url}/api/v4/projects/${projectId}/jobs/${job?.id}/trace`, {
    headers: { "PRIVATE-TOKEN": dev.token },
  });
  return res.text();
}

describe("merge request pipelines", () => {
  it("runs on open and on a push, with the merge request's variables and without protected ones", async () => {
    const id = await project("mr-pipelines", CI);
    await admin.ok("POST", `/projects/${id}/variables`, { key: "OPEN", value: "visible" });
    await admin.ok("POST", `/projects/${id}/variables`, {
      key: "PROT",
      value: "secret-value",
      protected: true,
    });
    const mr = await openMergeRequest(id, "feature");
    const [first, ...rest] = await pipelines(id);
    expect(rest).toHaveLength(0);
    expect(first).toMatchObject({
      source: "merge_request_event",
      ref: `refs/merge-requests/${mr.iid}/head`,
      status: "success",
    });
    const log = await trace(id, first!.id);
    expect(log).toContain(`iid=${mr.iid} ref=feature branch=[] target=main`);
    expect(log).toContain("title=Add the work type=detached open=[visible] protected=[]");
    const read = await dev.client.ok<{ head_pipeline: { id: number } | null; sha: string }>(
      "GET",
      `/projects/${id}/merge_requests/${mr.iid}`,
    );
    expect(read.head_pipeline?.id).toBe(first!.id);
    expect(first!.sha).toBe(read.sha);

    const pushed = await dev.client.ok<{ id: string }>("POST", `/projects/${id}/repository/commits`, {
      branch: "feature",
      commit_message: "More work",
      actions: [{ action: "create", file_path: "more.txt", content: "y\n" }],
    });
    const after = await pipelines(id);
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ source: "merge_request_event", sha: pushed.id, status: "success" });
  });

  it("makes no pipeline when the configuration selects no job for merge requests", async () => {
    const id = await project(
      "mr-pipelines-none",
      'api-only:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "api"\n  script: [echo]\n',
    );
    await openMergeRequest(id, "quiet");
    expect(await pipelines(id)).toEqual([]);
  });
});
