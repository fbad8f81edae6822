// The sandbox's core, driven as a GitLab client would: @gitbeaker/rest, plain HTTP, and the real git client.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { cloneUrl, git, gitFails } from "../support/git.ts";

let sandbox: Sandbox;
let admin: RestClient;
let dev: SandboxUser;
let guest: SandboxUser;
let project: Awaited<ReturnType<typeof createProject>>;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "dev");
  guest = await createUser(admin, "guest");
  project = await createProject(admin, { path: "core", files: { "src/app.txt": "one\n" } });
  await addMember(admin, project.id, dev.id, 30);
  await addMember(admin, project.id, guest.id, 10);
  work = await mkdtemp(join(tmpdir(), "sandbox-core-"));
});

afterAll(async () => {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
});

describe("users, tokens and projects through @gitbeaker/rest", () => {
  it("answers GET /user for the token's owner", async () => {
    const api = new Gitlab({ host: sandbox.url, token: dev.token });
    const me = await api.Users.showCurrentUser();
    expect(me.username).toBe("dev");
  });

  it("finds a project by id and by URL-encoded path, with the member's effective access", async () => {
    const api = new Gitlab({ host: sandbox.url, token: dev.token });
    const byId = await api.Projects.show(project.id);
    const byPath = await api.Projects.show("root/core");
    expect(byPath.id).toBe(byId.id);
    expect(byId.default_branch).toBe("main");
    const member = await api.ProjectMembers.show(project.id, dev.id, { includeInherited: true });
    expect(member.access_level).toBe(30);
  });

  it("answers 404 for a non-member's access level, as GitLab does", async () => {
    const outsider = await createUser(admin, "outsider");
    const answer = await admin.call("GET", `/projects/${project.id}/members/all/${outsider.id}`);
    expect(answer.status).toBe(404);
    const hidden = await outsider.client.call("GET", `/projects/${project.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ message: "404 Project Not Found" });
  });

  it("rejects missing, wrong and expired tokens with 401, and a low role with 403", async () => {
    expect((await fetch(`${sandbox.url}/api/v4/user`)).status).toBe(401);
    expect((await new RestClient(sandbox.url, "glpat-wrong").call("GET", "/user")).status).toBe(401);
    const expired = await admin.ok<{ token: string }>("POST", `/users/${dev.id}/personal_access_tokens`, {
      name: "old",
      scopes: ["api"],
      expires_at: "2001-01-01",
    });
    expect((await new RestClient(sandbox.url, expired.token).call("GET", "/user")).status).toBe(401);
    const bearer = await fetch(`${sandbox.url}/api/v4/user`, {
      headers: { authorization: `Bearer ${dev.token}` },
    });
    expect(bearer.status).toBe(200);
    const denied = await guest.client.call("PUT", `/projects/${project.id}`, { description: "x" });
    expect(denied.status).toBe(403);
  });

  it("limits a read_api token to reads", async () => {
    const readOnly = await admin.ok<{ token: string }>("POST", `/users/${dev.id}/personal_access_tokens`, {
      name: "reader",
      scopes: ["read_api"],
    });
    const client = new RestClient(sandbox.url, readOnly.token);
    expect((await client.call("GET", `/projects/${project.id}`)).status).toBe(200);
    const write = await client.call("POST", `/projects/${project.id}/issues`, { title: "x" });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ error: "insufficient_scope" });
  });

  it("changes the pipeline-variables role with PUT /projects/:id", async () => {
    const api = new Gitlab({ host: sandbox.url, token: sandbox.adminToken });
    await api.Projects.edit(project.id, {
      ciPipelineVariablesMinimumOverrideRole: "no_one_allowed",
    } as never);
    const shown = await admin.ok<{ ci_pipeline_variables_minimum_override_role: string }>(
      "GET",
      `/projects/${project.id}`,
    );
    expect(shown.ci_pipeline_variables_minimum_override_role).toBe("no_one_allowed");
    const bad = await admin.call("PUT", `/projects/${project.id}`, {
      ci_pipeline_variables_minimum_override_role: "anyone",
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: "ci_pipeline_variables_minimum_override_role does not have a valid value",
    });
  });

  it("keeps masked and protected CI/CD variables and refuses a value too short to mask", async () => {
    const created = await admin.ok("POST", `/projects/${project.id}/variables`, {
      key: "CLAUDE_API_KEY",
      value: "sk-ant-secret-value",
      masked: true,
      protected: true,
    });
    expect(created).toMatchObject({ key: "CLAUDE_API_KEY", masked: true, protected: true });
    const short = await admin.call("POST", `/projects/${project.id}/variables`, {
      key: "X",
      value: "short",
      masked: true,
    });
    expect(short.status).toBe(400);
  });

  it("creates a webhook without ever returning its token, and a pipeline trigger", async () => {
    const hook = await admin.ok<Record<string, unknown>>("POST", `/projects/${project.id}/hooks`, {
      url: "http://127.0.0.1:9/hook",
      token: "hook-secret",
      note_events: true,
      confidential_note_events: true,
    });
    expect(hook).toMatchObject({ note_events: true, confidential_note_events: true });
    expect(JSON.stringify(hook)).not.toContain("hook-secret");
    const list = await admin.ok<unknown[]>("GET", `/projects/${project.id}/hooks`);
    expect(list).toHaveLength(1);
    await admin.ok("DELETE", `/projects/${project.id}/hooks/${String(hook["id"])}`);
    expect(await admin.ok<unknown[]>("GET", `/projects/${project.id}/hooks`)).toHaveLength(0);
    const trigger = await admin.ok<{ token: string }>("POST", `/projects/${project.id}/triggers`, {
      description: "bridge",
    });
    expect(trigger.token).toMatch(/^glptt-/);
  });
});

describe("repository", () => {
  it("commits with actions and serves raw files at a ref", async () => {
    const api = new Gitlab({ host: sandbox.url, token: dev.token });
    await api.Branches.create(project.id, "feature", "main");
    await api.Commits.create(project.id, "feature", "Change app", [
      { action: "update", filePath: "src/app.txt", content: "two\n" },
      { action: "create", filePath: "docs/new.md", content: "# new\n" },
    ]);
    const raw = await admin.call<string>(
      "GET",
      `/projects/${project.id}/repository/files/src%2Fapp.txt/raw?ref=feature`,
    );
    expect(raw.body).toBe("two\n");
    const commits = await api.Commits.all(project.id, { refName: "feature" });
    expect(commits[0]?.title).toBe("Change app");
    const failed = await dev.client.call("POST", `/projects/${project.id}/repository/commits`, {
      branch: "feature",
      commit_message: "again",
      actions: [{ action: "create", file_path: "docs/new.md", content: "x" }],
    });
    expect(failed.status).toBe(400);
    expect(failed.body).toEqual({ message: "A file with this name already exists" });
  });

  it("refuses a Developer's commit to the protected default branch", async () => {
    const answer = await dev.client.call("POST", `/projects/${project.id}/repository/commits`, {
      branch: "main",
      commit_message: "direct",
      actions: [{ action: "create", file_path: "x.txt", content: "x" }],
    });
    expect(answer.status).toBe(403);
  });

  it("clones and pushes over HTTP with token auth, and refuses pushes to protected branches", async () => {
    const dir = join(work, "clone");
    await git(work, "clone", "-q", cloneUrl(sandbox.url, dev.token, "root/core"), dir);
    expect(await readFile(join(dir, "README.md"), "utf8")).toContain("core");
    await writeFile(join(dir, "pushed.txt"), "from git\n");
    await git(dir, "add", "pushed.txt");
    await git(dir, "commit", "-qm", "Pushed over HTTP");
    const refused = await gitFails(dir, "push", "origin", "HEAD:main");
    expect(refused).toContain("You are not allowed to push code to protected branches on this project.");
    await git(dir, "push", "-q", "origin", "HEAD:pushed-branch");
    const branch = await admin.ok<{ commit: { title: string } }>(
      "GET",
      `/projects/${project.id}/repository/branches/pushed-branch`,
    );
    expect(branch.commit.title).toBe("Pushed over HTTP");
    const main = await admin.ok<{ commit: { title: string } }>(
      "GET",
      `/projects/${project.id}/repository/branches/main`,
    );
    expect(main.commit.title).not.toBe("Pushed over HTTP");
  });

  it("asks for credentials without a token and hides the project from a wrong one", async () => {
    const anonymous = await gitFails(work, "ls-remote", `${sandbox.url}/root/core.git`);
    expect(anonymous).toMatch(/Authentication failed|could not read Username|401/);
    const guestRead = await gitFails(work, "ls-remote", cloneUrl(sandbox.url, guest.token, "root/core"));
    expect(guestRead).toMatch(/not found|404/i);
  });
});

describe("pagination, faults, control API and bad input", () => {
  it("paginates lists with GitLab's headers", async () => {
    for (let i = 0; i < 5; i++) await createUser(admin, `pager${i}`);
    const page = await admin.call<unknown[]>("GET", "/users?per_page=2&page=2");
    expect(page.body).toHaveLength(2);
    expect(page.headers.get("x-page")).toBe("2");
    expect(page.headers.get("x-per-page")).toBe("2");
    expect(page.headers.get("x-next-page")).toBe("3");
    expect(page.headers.get("x-prev-page")).toBe("1");
    expect(Number(page.headers.get("x-total"))).toBeGreaterThanOrEqual(8);
    expect(page.headers.get("link")).toContain('rel="next"');
  });

  it("answers injected faults for the next N matching requests, then recovers", async () => {
    const fault = await fetch(`${sandbox.url}/-/sandbox/faults`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": sandbox.adminToken, "content-type": "application/json" },
      body: JSON.stringify({ method: "GET", path: "^/api/v4/user$", status: 503, times: 2 }),
    });
    expect(fault.status).toBe(201);
    expect((await dev.client.call("GET", "/user")).status).toBe(503);
    expect((await dev.client.call("GET", "/user")).status).toBe(503);
    expect((await dev.client.call("GET", "/user")).status).toBe(200);
  });

  it("refuses the control API without the admin token", async () => {
    const res = await fetch(`${sandbox.url}/-/sandbox/state`, { headers: { "PRIVATE-TOKEN": dev.token } });
    expect(res.status).toBe(401);
    const state = await fetch(`${sandbox.url}/-/sandbox/state`, {
      headers: { "PRIVATE-TOKEN": sandbox.adminToken },
    });
    const body = (await state.json()) as { users: Array<{ username: string }>; projects: unknown[] };
    expect(body.users.map((u) => u.username)).toContain("dev");
    expect(body.projects.length).toBeGreaterThan(0);
  });

  it("answers bad input with GitLab-like 4xx bodies and keeps serving", async () => {
    const malformed = await fetch(`${sandbox.url}/api/v4/projects/${project.id}/issues`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": dev.token, "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBeTruthy();
    const unknown = await dev.client.call("GET", "/no/such/route");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: "404 Not Found" });
    const missing = await admin.call("POST", "/users", { username: "x" });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "name is missing" });
    const oversize = await fetch(`${sandbox.url}/api/v4/projects/${project.id}/issues`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": dev.token, "content-type": "application/json" },
      body: JSON.stringify({ title: "x", description: "x".repeat(11 * 1024 * 1024) }),
    });
    expect(oversize.status).toBe(413);
    expect((await dev.client.call("GET", "/user")).status).toBe(200);
  });
});
