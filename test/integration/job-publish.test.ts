// job/workspace and job/publish against the sandbox GitLab with real git: a CI checkout (cloned with another token, detached
// HEAD, as GitLab CI leaves it), prepareWorkspace, an "agent" that edits files (and sometimes commits or
// tampers with .git/config), then publishChanges; GitLab's state is read back through the REST API.
import { existsSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BridgeEvent, JobContext, MergeRequestFacts, Workspace } from "../../job/contracts.ts";
import { openMergeRequest } from "../../job/publish/merge-request.ts";
import {
  publishChanges,
  GitDirChangedError,
  type PublishChangesOptions,
} from "../../job/publish/publish-changes.ts";
import { SecretInChangesError } from "../../job/publish/secret-scan.ts";
import { PushRefusedError } from "../../job/workspace/branch-protection.ts";
import { prepareWorkspace } from "../../job/workspace/prepare-workspace.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { createGitLabClient, type GitLabClient } from "../../shared/gitlab/client.ts";
import { cloneUrl, git } from "../support/git.ts";

const SECRET = "canary-Zq81xT0pLm4VwB7rQ2";
const redact = (text: string): string => text.split(SECRET).join("[REDACTED]");

let sandbox: Sandbox;
let admin: RestClient;
let bot: SandboxUser;
let ada: SandboxUser;
let gitlab: GitLabClient;
let project: { id: number; path_with_namespace: string; default_branch: string };
const scratch: string[] = [];

const botIdentity = () => ({ name: "Bridge Bot", email: `${bot.username}@example.invalid` });

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bot = await createUser(admin, "bridge-bot", { bot: true });
  ada = await createUser(admin, "ada");
  project = await createProject(ada.client, {
    path: "app",
    files: { "src/app.ts": "export const greeting = 'hello';\n", "notes.txt": "one\ntwo\nthree\n" },
  });
  await addMember(admin, project.id, bot.id, 30);
  gitlab = createGitLabClient({
    baseUrl: sandbox.url,
    token: bot.token,
    fetch,
    now: Date.now,
    sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
    baseDelayMs: 5,
    maxDelayMs: 20,
  });
});

afterAll(async () => {
  await sandbox?.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/-/sandbox/faults`, {
    method: "DELETE",
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
});

// Setup helpers ------------------------------------------------------------------------------------------

/** A checkout as GitLab CI leaves it: the default branch, detached, origin holding another token. */
async function ciCheckout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "job-publish-ci-"));
  scratch.push(dir);
  await git(
    dir,
    "clone",
    "-q",
    cloneUrl(sandbox.url, ada.token, project.path_with_namespace, "gitlab-ci-token"),
    ".",
  );
  await git(dir, "checkout", "-q", "--detach");
  return dir;
}

async function newIssue(title: string): Promise<{ iid: number; web_url: string }> {
  return ada.client.ok("POST", `/projects/${project.id}/issues`, { title });
}

async function apiCommit(
  user: SandboxUser,
  projectId: number,
  input: { branch: string; startBranch?: string; files: Record<string, string>; message?: string },
): Promise<{ id: string }> {
  const tree = await Promise.all(
    Object.keys(input.files).map(async (path) => {
      const exists = await user.client.call(
        "GET",
        `/projects/${projectId}/repository/files/${encodeURIComponent(path)}?ref=${encodeURIComponent(input.startBranch ?? input.branch)}`,
      );
      return exists.status === 200 ? "update" : "create";
    }),
  );
  return user.client.ok("POST", `/projects/${projectId}/repository/commits`, {
    branch: input.branch,
    ...(input.startBranch ? { start_branch: input.startBranch } : {}),
    commit_message: input.message ?? "Edit",
    actions: Object.entries(input.files).map(([file_path, content], i) => ({
      action: tree[i],
      file_path,
      content,
    })),
  });
}

async function openMr(
  sourceBranch: string,
  options: { sourceProjectId?: number; user?: SandboxUser; title?: string } = {},
): Promise<{ iid: number; web_url: string }> {
  const user = options.user ?? ada;
  return user.client.ok("POST", `/projects/${options.sourceProjectId ?? project.id}/merge_requests`, {
    source_branch: sourceBranch,
    target_branch: project.default_branch,
    title: options.title ?? `MR from ${sourceBranch}`,
    ...(options.sourceProjectId ? { target_project_id: project.id } : {}),
  });
}

async function branchHead(projectId: number, branch: string): Promise<string | null> {
  const answer = await admin.call<{ commit: { id: string } }>(
    "GET",
    `/projects/${projectId}/repository/branches/${encodeURIComponent(branch)}`,
  );
  return answer.status === 200 ? answer.body.commit.id : null;
}

async function commitInfo(sha: string): Promise<{
  author_name: string;
  author_email: string;
  committer_email: string;
  message: string;
  parent_ids: string[];
}> {
  return admin.ok("GET", `/projects/${project.id}/repository/commits/${sha}`);
}

async function fileAt(ref: string, path: string): Promise<string | null> {
  const res = await fetch(
    `${sandbox.url}/api/v4/projects/${project.id}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
    { headers: { "PRIVATE-TOKEN": sandbox.adminToken } },
  );
  return res.status === 200 ? res.text() : null;
}

async function branchNames(projectId: number): Promise<string[]> {
  const list = await admin.ok<Array<{ name: string }>>(
    "GET",
    `/projects/${projectId}/repository/branches?per_page=100`,
  );
  return list.map((b) => b.name).sort();
}

async function mergeRequestsFrom(
  branch: string,
): Promise<Array<{ iid: number; description: string; title: string }>> {
  return admin.ok(
    "GET",
    `/projects/${project.id}/merge_requests?state=all&source_branch=${encodeURIComponent(branch)}`,
  );
}

async function addFault(spec: {
  method: string;
  path: string;
  status: number;
  times: number;
}): Promise<void> {
  const res = await fetch(`${sandbox.url}/-/sandbox/faults`, {
    method: "POST",
    headers: { "PRIVATE-TOKEN": sandbox.adminToken, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  expect(res.status).toBe(201);
}

async function faultHits(): Promise<number[]> {
  const res = await fetch(`${sandbox.url}/-/sandbox/faults`, {
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
  return ((await res.json()) as Array<{ hits: number }>).map((f) => f.hits);
}

// Job inputs ---------------------------------------------------------------------------------------------

function eventFor(kind: "Issue" | "MergeRequest", iid: number, instruction: string): BridgeEvent {
  return {
    assistant: "claude",
    projectId: project.id,
    projectPath: project.path_with_namespace,
    noteableType: kind,
    noteableIid: iid,
    noteId: 900 + iid,
    discussionId: null,
    placeholderNoteId: 1,
    authorId: ada.id,
    authorUsername: ada.username,
    instruction,
    confidential: false,
  };
}

function contextBase(instruction: string): Omit<JobContext, "kind"> {
  return {
    trigger: {
      noteId: 77,
      body: `@claude ${instruction}`,
      authorUsername: ada.username,
      createdAt: new Date().toISOString(),
    },
    markdown: "",
    images: [],
    stats: { chars: 0, truncated: false, gitlabCalls: 0 },
  };
}

function issueContext(
  issue: { iid: number; web_url: string },
  title: string,
  instruction: string,
): JobContext {
  return {
    kind: "issue",
    issue: { iid: issue.iid, title, webUrl: issue.web_url },
    ...contextBase(instruction),
  };
}

function mrContext(
  mr: Partial<MergeRequestFacts> & { iid: number; sourceBranch: string },
  instruction: string,
): JobContext {
  const facts: MergeRequestFacts = {
    title: "MR",
    webUrl: `${sandbox.url}/${project.path_with_namespace}/-/merge_requests/${mr.iid}`,
    targetBranch: project.default_branch,
    sourceProjectId: project.id,
    targetProjectId: project.id,
    isFork: false,
    diffRefs: { baseSha: "", headSha: "", startSha: "" },
    changedFiles: [],
    ...mr,
  };
  return { kind: "merge_request", mergeRequest: facts, ...contextBase(instruction) };
}

async function prepare(dir: string, event: BridgeEvent, context: JobContext): Promise<Workspace> {
  return prepareWorkspace({
    dir,
    gitlab,
    gitlabUrl: sandbox.url,
    token: bot.token,
    projectPath: project.path_with_namespace,
    event,
    context,
    baseBranch: project.default_branch,
    branchPrefix: "claude/",
    redact,
  });
}

function publish(
  workspace: Workspace,
  event: BridgeEvent,
  context: JobContext,
  extra: Partial<PublishChangesOptions> = {},
): ReturnType<typeof publishChanges> {
  return publishChanges({
    gitlab,
    workspace,
    event,
    context,
    bot: botIdentity(),
    asker: { username: ada.username, name: "Ada Lovelace", email: "ada@example.com" },
    summary: "Changed the greeting and added a note.",
    pushMode: "commit",
    redact,
    secretValues: [SECRET, bot.token],
    gitlabUrl: sandbox.url,
    token: bot.token,
    projectPath: project.path_with_namespace,
    jobUrl: `${sandbox.url}/${project.path_with_namespace}/-/jobs/42`,
    sleep: async () => undefined,
    ...extra,
  });
}

/** Every text file under .git holding the bot token (config, FETCH_HEAD, logs, packed-refs, …). */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "objects") await walk(full);
      } else if ((await stat(full)).size < 5_000_000 && (await readFile(full, "utf8")).includes(needle)) {
        hits.push(full);
      }
    }
  };
  await walk(join(dir, ".git"));
  return hits;
}

// Tests --------------------------------------------------------------------------------------------------

describe("publishing from an issue", () => {
  it("pushes a new branch and opens a merge request that closes the issue, by the bot with the asker as co-author", async () => {
    const issue = await newIssue("Greet the world: ünïcode & --upload-pack!");
    const event = eventFor("Issue", issue.iid, "please greet the world");
    const context = issueContext(
      issue,
      "Greet the world: ünïcode & --upload-pack!",
      "please greet the world",
    );
    const dir = await ciCheckout();
    // A CI cache restored into the project directory before the job: not the agent's work.
    await mkdir(join(dir, ".cache"));
    await writeFile(join(dir, ".cache", "blob"), "cached\n");

    const workspace = await prepare(dir, event, context);
    expect(workspace).toMatchObject({
      mode: "issue",
      baseBranch: "main",
      workBranch: `claude/${issue.iid}-greet-the-world-unicode-upload-pack`,
    });
    expect(workspace.startSha).toBe(await branchHead(project.id, "main"));

    // The agent: a commit of its own (which must not keep its authorship) and an uncommitted edit.
    await writeFile(join(dir, "src", "app.ts"), "export const greeting = 'hello, world';\n");
    await git(dir, "commit", "-qam", "agent's own commit");
    await writeFile(join(dir, "WORLD.md"), "# World\n");

    const result = await publish(workspace, event, context);
    expect(result).toMatchObject({ kind: "merge_request", branch: workspace.workBranch });
    if (result.kind !== "merge_request") throw new Error("unreachable");

    expect(await branchHead(project.id, result.branch)).toBe(result.commitSha);
    const commit = await commitInfo(result.commitSha);
    expect(commit.parent_ids).toEqual([workspace.startSha]);
    expect(commit.author_email).toBe(botIdentity().email);
    expect(commit.committer_email).toBe(botIdentity().email);
    expect(commit.message.split("\n")[0]).toBe("Greet the world");
    expect(commit.message).toContain("Co-authored-by: Ada Lovelace <ada@example.com>");
    expect(await fileAt(result.branch, "WORLD.md")).toBe("# World\n");
    expect(await fileAt(result.branch, "src/app.ts")).toContain("hello, world");
    expect(await fileAt(result.branch, ".cache/blob")).toBeNull();

    const mrs = await mergeRequestsFrom(result.branch);
    expect(mrs).toHaveLength(1);
    expect(mrs[0]).toMatchObject({
      iid: result.mergeRequestIid,
      title: `Resolve "Greet the world: ünïcode & --upload-pack!"`,
    });
    expect(mrs[0]!.description).toMatch(/^Closes #\d+$/m);
    expect(mrs[0]!.description).toContain(`Closes #${issue.iid}`);
    expect(mrs[0]!.description).toContain("`WORLD.md` (added)");
    expect(mrs[0]!.description).toContain("/-/jobs/42");
    expect(result.mergeRequestUrl).toContain(`/-/merge_requests/${result.mergeRequestIid}`);

    expect(await filesHolding(dir, bot.token)).toEqual([]);
  });

  it("takes a fresh name when the branch exists from an earlier run", async () => {
    const issue = await newIssue("Second run");
    const event = eventFor("Issue", issue.iid, "do it");
    const context = issueContext(issue, "Second run", "do it");
    await apiCommit(ada, project.id, {
      branch: `claude/${issue.iid}-second-run`,
      startBranch: "main",
      files: { "earlier.txt": "earlier run\n" },
    });
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    expect(workspace.workBranch).toBe(`claude/${issue.iid}-second-run-2`);
    await writeFile(join(dir, "later.txt"), "later\n");
    const result = await publish(workspace, event, context);
    expect(result).toMatchObject({ kind: "merge_request", branch: `claude/${issue.iid}-second-run-2` });
    expect(await fileAt(`claude/${issue.iid}-second-run`, "later.txt")).toBeNull();
  });

  it("retries GitLab's 502s while creating the merge request and opens exactly one", async () => {
    const issue = await newIssue("Flaky GitLab");
    const event = eventFor("Issue", issue.iid, "fix it");
    const context = issueContext(issue, "Flaky GitLab", "fix it");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "flaky.txt"), "x\n");
    await addFault({
      method: "POST",
      path: `^/api/v4/projects/${project.id}/merge_requests$`,
      status: 502,
      times: 2,
    });
    const result = await publish(workspace, event, context);
    expect(result.kind).toBe("merge_request");
    expect(await faultHits()).toEqual([2]);
    expect(await mergeRequestsFrom(workspace.workBranch!)).toHaveLength(1);
  });

  it("after a 500 on create (GitLab may or may not have made it), looks before trying again: one merge request", async () => {
    const issue = await newIssue("Five hundred");
    const event = eventFor("Issue", issue.iid, "fix it");
    const context = issueContext(issue, "Five hundred", "fix it");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "five.txt"), "x\n");
    await addFault({
      method: "POST",
      path: `^/api/v4/projects/${project.id}/merge_requests$`,
      status: 500,
      times: 1,
    });
    const result = await publish(workspace, event, context);
    expect(result.kind).toBe("merge_request");
    expect(await mergeRequestsFrom(workspace.workBranch!)).toHaveLength(1);
  });

  it("takes the next free name when the branch appeared on GitLab while the agent worked", async () => {
    const issue = await newIssue("Race for the name");
    const event = eventFor("Issue", issue.iid, "fix it");
    const context = issueContext(issue, "Race for the name", "fix it");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "race.txt"), "x\n");
    const theirs = await apiCommit(ada, project.id, {
      branch: workspace.workBranch!,
      startBranch: "main",
      files: { "pre.txt": "p\n" },
    });
    const result = await publish(workspace, event, context);
    expect(result).toMatchObject({ kind: "merge_request", branch: `${workspace.workBranch}-2` });
    expect(await branchHead(project.id, workspace.workBranch!)).toBe(theirs.id);
  });

  it("reuses the open merge request of the branch when GitLab answers 409", async () => {
    await apiCommit(ada, project.id, {
      branch: "claude/reuse",
      startBranch: "main",
      files: { "r.txt": "r\n" },
    });
    const existing = await openMr("claude/reuse");
    const opened = await openMergeRequest(gitlab, {
      projectId: project.id,
      sourceBranch: "claude/reuse",
      targetBranch: "main",
      title: "Again",
      description: "",
      sleep: async () => undefined,
    });
    expect(opened).toEqual({ iid: existing.iid, webUrl: existing.web_url, reused: true });
    expect(await mergeRequestsFrom("claude/reuse")).toHaveLength(1);
  });

  it("retries a push that met GitLab's 502s", async () => {
    // A proxy in front of the sandbox's git over HTTP that answers the first two push handshakes with 502,
    // as a load balancer in front of a busy GitLab does (the sandbox's faults cover its API only).
    let failures = 2;
    const proxy: Server = createServer((req, res) => {
      if (req.url?.includes("service=git-receive-pack") && failures > 0) {
        failures--;
        req.resume();
        res.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway\n");
        return;
      }
      const target = new URL(req.url ?? "/", sandbox.url);
      const upstream = request(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const issue = await newIssue("Busy GitLab");
      const event = eventFor("Issue", issue.iid, "fix it");
      const context = issueContext(issue, "Busy GitLab", "fix it");
      const dir = await ciCheckout();
      const workspace = await prepare(dir, event, context);
      await writeFile(join(dir, "busy.txt"), "x\n");
      const waits: number[] = [];
      const result = await publish(workspace, event, context, {
        gitlabUrl: proxyUrl,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });
      expect(failures).toBe(0);
      expect(waits).toEqual([1_000, 2_000]);
      expect(result).toMatchObject({ kind: "merge_request", branch: workspace.workBranch });
      expect(await branchHead(project.id, workspace.workBranch!)).toBe(
        (result as { commitSha: string }).commitSha,
      );
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("does not commit or push a diff that holds a secret", async () => {
    const issue = await newIssue("Leaky");
    const event = eventFor("Issue", issue.iid, "print the env");
    const context = issueContext(issue, "Leaky", "print the env");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "env.txt"), `TOKEN=${SECRET}\n`);
    const before = await branchNames(project.id);
    const error = await publish(workspace, event, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretInChangesError);
    expect(String(error)).toContain("env.txt:1");
    expect(String(error)).not.toContain(SECRET);
    expect(await branchNames(project.id)).toEqual(before);
    expect(await mergeRequestsFrom(workspace.workBranch!)).toEqual([]);
    expect(await git(dir, "rev-parse", "HEAD")).toBe(workspace.startSha);
  });

  it("answers none when the agent changed nothing (ignored files do not count)", async () => {
    const issue = await newIssue("Just a question");
    const event = eventFor("Issue", issue.iid, "what does this do?");
    const context = issueContext(issue, "Just a question", "what does this do?");
    const dir = await ciCheckout();
    await writeFile(join(dir, ".git", "info", "exclude"), "build/\n");
    const workspace = await prepare(dir, event, context);
    await mkdir(join(dir, "build"));
    await writeFile(join(dir, "build", "out.js"), "ignored\n");
    const before = await branchNames(project.id);
    expect(await publish(workspace, event, context)).toEqual({ kind: "none" });
    expect(await branchNames(project.id)).toEqual(before);
  });

  it("refuses to publish when the agent changed the checkout's git config or hooks, and runs none of it", async () => {
    const issue = await newIssue("Tampering agent");
    const event = eventFor("Issue", issue.iid, "fix it");
    const context = issueContext(issue, "Tampering agent", "fix it");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    const configBefore = await readFile(join(dir, ".git", "config"), "utf8");
    await writeFile(join(dir, "fix.txt"), "x\n");
    // The agent tries to send the push (and the token) elsewhere, and to run code through a hook or a filter.
    await git(dir, "config", `url.http://127.0.0.1:9/.insteadOf`, `${sandbox.url}/`);
    await git(dir, "config", "http.proxy", "http://127.0.0.1:9");
    await git(dir, "config", "filter.x.clean", `sh -c 'env >> "${dir}/.git/stolen-env"; cat'`);
    await writeFile(join(dir, ".gitattributes"), "* filter=x\n");
    for (const name of ["pre-push", "reference-transaction", "post-checkout", "pre-commit"]) {
      await writeFile(join(dir, ".git", "hooks", name), `#!/bin/sh\nenv >> "${dir}/.git/stolen-env"\n`, {
        mode: 0o755,
      });
    }
    const before = await branchNames(project.id);
    const error = await publish(workspace, event, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitDirChangedError);
    expect(String(error)).toMatch(/nothing was published: the agent changed \.git\/config, \.git\/hooks\//);
    expect(await branchNames(project.id)).toEqual(before);
    expect(await readFile(join(dir, ".git", "config"), "utf8")).toBe(configBefore);
    expect(existsSync(join(dir, ".git", "stolen-env"))).toBe(false);
    expect(await filesHolding(dir, bot.token)).toEqual([]);
  });

  it("publishes the tree's files without reading the checkout's .git (a filter there never runs)", async () => {
    const issue = await newIssue("Filters in the tree");
    const event = eventFor("Issue", issue.iid, "fix it");
    const context = issueContext(issue, "Filters in the tree", "fix it");
    const dir = await ciCheckout();
    // A clean filter in the checkout's config before the job (a CI image's own setup, say) is not the job's.
    await git(dir, "config", "filter.x.clean", `sh -c 'env >> "${dir}/.git/stolen-env"; cat'`);
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, ".gitattributes"), "*.txt filter=x\n");
    await writeFile(join(dir, "fix.txt"), "fixed\n");
    const result = await publish(workspace, event, context);
    if (result.kind !== "merge_request") throw new Error(`expected a merge request, got ${result.kind}`);
    expect(await fileAt(result.branch, "fix.txt")).toBe("fixed\n");
    expect(existsSync(join(dir, ".git", "stolen-env"))).toBe(false);
  });

  it("leaves no credential in the checkout for the agent: not CI's job token, not the bot's", async () => {
    const issue = await newIssue("Token-less checkout");
    const event = eventFor("Issue", issue.iid, "look");
    const context = issueContext(issue, "Token-less checkout", "look");
    const dir = await ciCheckout();
    // What newer runners do instead of (or besides) the URL: a credential helper and an extra header.
    await git(dir, "config", "credential.helper", `!f() { echo password=${ada.token}; }; f`);
    await git(dir, "config", `http.${sandbox.url}/.extraheader`, `Authorization: Bearer ${ada.token}`);
    await git(dir, "config", "--add", "remote.origin.pushurl", cloneUrl(sandbox.url, ada.token, "x/y", "u"));
    expect(await filesHolding(dir, ada.token)).not.toEqual([]);
    await prepare(dir, event, context);
    expect(await filesHolding(dir, ada.token)).toEqual([]);
    expect(await filesHolding(dir, bot.token)).toEqual([]);
    const remotes = await git(dir, "remote", "-v");
    expect(remotes).toContain(`${sandbox.url.replace(/^http:\/\//, "")}/${project.path_with_namespace}`);
    expect(remotes).not.toMatch(/:\/\/[^/\s]*@/);
    expect(await git(dir, "config", "--list")).not.toMatch(/credential|extraheader/i);
  });
});

describe("publishing to a merge request of the same project", () => {
  async function mrWithBranch(branch: string, by: SandboxUser = ada) {
    await apiCommit(by, project.id, {
      branch,
      startBranch: "main",
      files: { [`${branch.replace(/\//g, "_")}.txt`]: "base\n" },
    });
    const mr = await openMr(branch);
    return {
      mr,
      event: eventFor("MergeRequest", mr.iid, "change the greeting"),
      context: mrContext({ iid: mr.iid, sourceBranch: branch }, "change the greeting"),
    };
  }

  it("adds a new commit on top of the source branch", async () => {
    const { event, context } = await mrWithBranch("feature/greeting");
    const head = await branchHead(project.id, "feature/greeting");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    expect(workspace).toMatchObject({
      mode: "merge_request",
      workBranch: "feature/greeting",
      baseBranch: "main",
      startSha: head,
    });
    await writeFile(join(dir, "src", "app.ts"), "export const greeting = 'hi';\n");
    const result = await publish(workspace, event, context);
    expect(result).toMatchObject({ kind: "commit", branch: "feature/greeting" });
    if (result.kind !== "commit") throw new Error("unreachable");
    expect(result.intendedBranch).toBeUndefined();
    expect(result.commitUrl).toBe(
      `${sandbox.url}/${project.path_with_namespace}/-/commit/${result.commitSha}`,
    );
    expect(await branchHead(project.id, "feature/greeting")).toBe(result.commitSha);
    const commit = await commitInfo(result.commitSha);
    expect(commit.parent_ids).toEqual([head]);
    expect(commit.author_email).toBe(botIdentity().email);
    expect(commit.message).toContain("Co-authored-by: Ada Lovelace <ada@example.com>");
    expect(await filesHolding(dir, bot.token)).toEqual([]);
  });

  it("amends the bot's own last commit with force-with-lease", async () => {
    await apiCommit(ada, project.id, {
      branch: "feature/amend",
      startBranch: "main",
      files: { "amend.txt": "base\n" },
    });
    const botCommit = await apiCommit(bot, project.id, {
      branch: "feature/amend",
      files: { "amend.txt": "bot v1\n" },
      message: "Bot v1\n\nCo-authored-by: Bea <bea@example.com>",
    });
    const parent = (await commitInfo(botCommit.id)).parent_ids[0];
    const mr = await openMr("feature/amend");
    const event = eventFor("MergeRequest", mr.iid, "tweak it");
    const context = mrContext({ iid: mr.iid, sourceBranch: "feature/amend" }, "tweak it");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    expect(workspace.startSha).toBe(botCommit.id);
    await writeFile(join(dir, "amend.txt"), "bot v2\n");
    const result = await publish(workspace, event, context, {
      pushMode: "amend",
      bot: { name: "Bridge Bot", email: `${bot.username}@example.invalid` },
    });
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);
    expect(await branchHead(project.id, "feature/amend")).toBe(result.commitSha);
    const amended = await commitInfo(result.commitSha);
    expect(amended.parent_ids).toEqual([parent]);
    expect(amended.message).toContain("Co-authored-by: Bea <bea@example.com>");
    expect(amended.message).toContain("Co-authored-by: Ada Lovelace <ada@example.com>");
    expect(await fileAt("feature/amend", "amend.txt")).toBe("bot v2\n");
  });

  it("in amend mode, adds a new commit when the last one is not the bot's", async () => {
    const { event, context } = await mrWithBranch("feature/not-bots");
    const head = await branchHead(project.id, "feature/not-bots");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "extra.txt"), "x\n");
    const result = await publish(workspace, event, context, { pushMode: "amend" });
    if (result.kind !== "commit") throw new Error("unreachable");
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([head]);
  });

  it("replays the change on the new head when the branch moved under the run", async () => {
    const { event, context } = await mrWithBranch("feature/moving");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "src", "app.ts"), "export const greeting = 'moved';\n");
    const other = await apiCommit(ada, project.id, {
      branch: "feature/moving",
      files: { "someone-else.txt": "hi\n" },
    });
    const result = await publish(workspace, event, context);
    expect(result).toMatchObject({ kind: "commit", branch: "feature/moving" });
    if (result.kind !== "commit") throw new Error("unreachable");
    expect(await branchHead(project.id, "feature/moving")).toBe(result.commitSha);
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([other.id]);
    expect(await fileAt("feature/moving", "someone-else.txt")).toBe("hi\n");
    expect(await fileAt("feature/moving", "src/app.ts")).toContain("moved");
  });

  it("replays on the new head in amend mode too, as a new commit (nobody's work is dropped)", async () => {
    await apiCommit(ada, project.id, {
      branch: "feature/amend-moved",
      startBranch: "main",
      files: { "am.txt": "base\n" },
    });
    await apiCommit(bot, project.id, { branch: "feature/amend-moved", files: { "am.txt": "bot\n" } });
    const mr = await openMr("feature/amend-moved");
    const event = eventFor("MergeRequest", mr.iid, "tweak");
    const context = mrContext({ iid: mr.iid, sourceBranch: "feature/amend-moved" }, "tweak");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "mine.txt"), "mine\n");
    const other = await apiCommit(ada, project.id, {
      branch: "feature/amend-moved",
      files: { "theirs.txt": "theirs\n" },
    });
    const result = await publish(workspace, event, context, { pushMode: "amend" });
    if (result.kind !== "commit") throw new Error("unreachable");
    expect(result.branch).toBe("feature/amend-moved");
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([other.id]);
    expect(await fileAt("feature/amend-moved", "theirs.txt")).toBe("theirs\n");
    expect(await fileAt("feature/amend-moved", "mine.txt")).toBe("mine\n");
    expect(await fileAt("feature/amend-moved", "am.txt")).toBe("bot\n");
  });

  it("keeps the work on a side branch when it conflicts with what moved the branch", async () => {
    const { event, context } = await mrWithBranch("feature/conflict");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "notes.txt"), "one\nTWO by the agent\nthree\n");
    const other = await apiCommit(ada, project.id, {
      branch: "feature/conflict",
      files: { "notes.txt": "one\n2 by a person\nthree\n" },
    });
    const result = await publish(workspace, event, context);
    if (result.kind !== "commit") throw new Error("unreachable");
    expect(result.intendedBranch).toBe("feature/conflict");
    expect(result.branch).toBe(`feature/conflict-claude-${result.commitSha.slice(0, 8)}`);
    expect(await branchHead(project.id, "feature/conflict")).toBe(other.id);
    expect(await branchHead(project.id, result.branch)).toBe(result.commitSha);
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([workspace.startSha]);
    expect(await fileAt(result.branch, "notes.txt")).toBe("one\nTWO by the agent\nthree\n");
  });

  it("answers with a patch when the source branch is protected", async () => {
    const { event, context } = await mrWithBranch("stable");
    await admin.ok("POST", `/projects/${project.id}/protected_branches`, {
      name: "stable",
      push_access_level: 40,
    });
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    expect(workspace).toMatchObject({ mode: "merge_request", workBranch: null });
    await writeFile(join(dir, "p.txt"), "p\n");
    const head = await branchHead(project.id, "stable");
    const result = await publish(workspace, event, context);
    expect(result.kind).toBe("patch");
    expect(await branchHead(project.id, "stable")).toBe(head);
  });
});

describe("refusals", () => {
  it("refuses an issue branch that a protected rule covers", async () => {
    // The rules are readable to Maintainers: make the bot one for this check.
    const maintainerBot = await createUser(admin, "bridge-maint", { bot: true });
    await addMember(admin, project.id, maintainerBot.id, 40);
    await admin.ok("POST", `/projects/${project.id}/protected_branches`, { name: "codex/*" });
    const issue = await newIssue("Protected prefix");
    const dir = await ciCheckout();
    const error = await prepareWorkspace({
      dir,
      gitlab: createGitLabClient({
        baseUrl: sandbox.url,
        token: maintainerBot.token,
        fetch,
        now: Date.now,
        sleep: (ms) => sleep(ms),
      }),
      gitlabUrl: sandbox.url,
      token: maintainerBot.token,
      projectPath: project.path_with_namespace,
      event: { ...eventFor("Issue", issue.iid, "x"), assistant: "codex" },
      context: issueContext(issue, "Protected prefix", "x"),
      baseBranch: "main",
      branchPrefix: "codex/",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushRefusedError);
    expect(String(error)).toMatch(/protected branch rule "codex\/\*".*branch prefix/);
  });

  it("refuses a merge request whose source branch name could be read as an option", async () => {
    const dir = await ciCheckout();
    const context = mrContext({ iid: 999, sourceBranch: "--upload-pack=touch /tmp/pwned" }, "x");
    await expect(prepare(dir, eventFor("MergeRequest", 999, "x"), context)).rejects.toThrow(
      /cannot be used as a branch name/,
    );
  });
});

describe("publishing to a fork's merge request", () => {
  it("answers with the patch and pushes nothing to the fork", async () => {
    const forker = await createUser(admin, "forker");
    await addMember(admin, project.id, forker.id, 20);
    const fork = await forker.client.ok<{ id: number; path_with_namespace: string }>(
      "POST",
      `/projects/${project.id}/fork`,
      {},
    );
    await apiCommit(forker, fork.id, {
      branch: "fork-feature",
      startBranch: "main",
      files: { "fork.txt": "from the fork\n" },
    });
    const mr = await openMr("fork-feature", { sourceProjectId: fork.id, user: forker });
    const forkBranchesBefore = await Promise.all(
      (await branchNames(fork.id)).map(async (b) => [b, await branchHead(fork.id, b)]),
    );
    const targetBranchesBefore = await branchNames(project.id);

    const event = eventFor("MergeRequest", mr.iid, `fix the fork ${SECRET}`);
    const context = mrContext(
      { iid: mr.iid, sourceBranch: "fork-feature", sourceProjectId: fork.id, isFork: true },
      "fix the fork",
    );
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    expect(workspace).toMatchObject({ mode: "fork_merge_request", workBranch: null, baseBranch: "main" });
    expect(await readFile(join(dir, "fork.txt"), "utf8")).toBe("from the fork\n");
    await writeFile(join(dir, "fork.txt"), `fixed in the patch ${SECRET}\n`);

    const result = await publish(workspace, event, context);
    expect(result.kind).toBe("patch");
    if (result.kind !== "patch") throw new Error("unreachable");
    expect(result.patch).toContain("diff --git a/fork.txt b/fork.txt");
    expect(result.patch).toContain("+fixed in the patch [REDACTED]");
    expect(result.patch).not.toContain(SECRET);

    const forkBranchesAfter = await Promise.all(
      (await branchNames(fork.id)).map(async (b) => [b, await branchHead(fork.id, b)]),
    );
    expect(forkBranchesAfter).toEqual(forkBranchesBefore);
    expect(await branchNames(project.id)).toEqual(targetBranchesBefore);
  });

  it("caps a large patch and says so", async () => {
    const forker = await createUser(admin, "forker2");
    await addMember(admin, project.id, forker.id, 20);
    const fork = await forker.client.ok<{ id: number }>("POST", `/projects/${project.id}/fork`, {
      path: "app-2",
    });
    await apiCommit(forker, fork.id, { branch: "big", startBranch: "main", files: { "big.txt": "x\n" } });
    const mr = await openMr("big", { sourceProjectId: fork.id, user: forker });
    const context = mrContext(
      { iid: mr.iid, sourceBranch: "big", sourceProjectId: fork.id, isFork: true },
      "grow",
    );
    const event = eventFor("MergeRequest", mr.iid, "grow");
    const dir = await ciCheckout();
    const workspace = await prepare(dir, event, context);
    await writeFile(join(dir, "big.txt"), Array.from({ length: 5_000 }, (_, i) => `line ${i}`).join("\n"));
    const result = await publish(workspace, event, context, { maxPatchChars: 2_000 });
    if (result.kind !== "patch") throw new Error("unreachable");
    expect(result.patch.length).toBeLessThan(2_200);
    expect(result.patch).toMatch(/# … patch truncated: \d+ of \d+ characters shown \(1 file changed\)/);
  });
});
