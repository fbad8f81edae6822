// How job/publish names and pushes the bot's work, against the sandbox GitLab with real git: push_mode
// `auto` (amend the bot's own unreviewed commit on its own merge request, else a new commit) and the branch
// name template, and commits signed with SSH_SIGNING_KEY (verified with git on a fresh clone of what GitLab
// holds). GitLab's state is read back through the REST API.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BridgeEvent, JobContext, Workspace } from "../../job/contracts.ts";
import { publishChanges, type PublishChangesOptions } from "../../job/publish/publish-changes.ts";
import { prepareWorkspace } from "../../job/workspace/prepare-workspace.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { openSshPrivateKey } from "../../job/settings/signing-key.ts";
import { createGitLabClient, type GitLabClient } from "../../shared/gitlab/client.ts";
import { cloneUrl, git } from "../support/git.ts";

let sandbox: Sandbox;
let admin: RestClient;
let bot: SandboxUser;
let ada: SandboxUser;
let gitlab: GitLabClient;
let project: { id: number; path_with_namespace: string; default_branch: string };
const scratch: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bot = await createUser(admin, "bridge-bot", { bot: true });
  ada = await createUser(admin, "ada");
  project = await createProject(ada.client, { path: "app", files: { "notes.txt": "one\n" } });
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

const botIdentity = () => ({ name: "Bridge Bot", email: `${bot.username}@example.invalid` });

async function ciCheckout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "job-publish-modes-"));
  scratch.push(dir);
  const url = cloneUrl(sandbox.url, ada.token, project.path_with_namespace, "gitlab-ci-token");
  await git(dir, "clone", "-q", url, ".");
  await git(dir, "checkout", "-q", "--detach");
  return dir;
}

async function apiCommit(user: SandboxUser, branch: string, file: string, startBranch?: string) {
  return user.client.ok<{ id: string }>("POST", `/projects/${project.id}/repository/commits`, {
    branch,
    ...(startBranch ? { start_branch: startBranch } : {}),
    commit_message: `Edit ${file}`,
    actions: [{ action: startBranch ? "create" : "update", file_path: file, content: `${user.username}\n` }],
  });
}

async function commitInfo(sha: string): Promise<{ parent_ids: string[]; message: string }> {
  return admin.ok("GET", `/projects/${project.id}/repository/commits/${sha}`);
}

async function branchHead(branch: string): Promise<string> {
  const answer = await admin.ok<{ commit: { id: string } }>(
    "GET",
    `/projects/${project.id}/repository/branches/${encodeURIComponent(branch)}`,
  );
  return answer.commit.id;
}

function event(kind: "Issue" | "MergeRequest", iid: number, noteId: number): BridgeEvent {
  return {
    assistant: "claude",
    projectId: project.id,
    projectPath: project.path_with_namespace,
    noteableType: kind,
    noteableIid: iid,
    noteId,
    discussionId: null,
    placeholderNoteId: 1,
    authorId: ada.id,
    authorUsername: ada.username,
    instruction: "tweak it",
    confidential: false,
  };
}

function context(
  kind: "issue" | "merge_request",
  facts: { iid: number; branch?: string; title?: string },
  noteId: number,
): JobContext {
  const base = {
    trigger: {
      noteId,
      body: "@claude tweak it",
      authorUsername: ada.username,
      createdAt: new Date().toISOString(),
    },
    markdown: "",
    images: [],
    stats: { chars: 0, truncated: false, gitlabCalls: 0 },
  };
  if (kind === "issue") {
    return {
      kind,
      issue: { iid: facts.iid, title: facts.title ?? "", webUrl: `${sandbox.url}/i/${facts.iid}` },
      ...base,
    };
  }
  return {
    kind,
    mergeRequest: {
      iid: facts.iid,
      title: "MR",
      webUrl: `${sandbox.url}/${project.path_with_namespace}/-/merge_requests/${facts.iid}`,
      sourceBranch: facts.branch ?? "",
      targetBranch: project.default_branch,
      sourceProjectId: project.id,
      targetProjectId: project.id,
      isFork: false,
      diffRefs: { baseSha: "", headSha: "", startSha: "" },
      changedFiles: [],
    },
    ...base,
  };
}

function prepare(dir: string, ev: BridgeEvent, ctx: JobContext, template?: string): Promise<Workspace> {
  return prepareWorkspace({
    dir,
    gitlab,
    gitlabUrl: sandbox.url,
    token: bot.token,
    projectPath: project.path_with_namespace,
    event: ev,
    context: ctx,
    baseBranch: project.default_branch,
    branchPrefix: "claude/",
    ...(template !== undefined ? { branchNameTemplate: template } : {}),
  });
}

function publish(
  workspace: Workspace,
  ev: BridgeEvent,
  ctx: JobContext,
  extra: Partial<PublishChangesOptions> = {},
) {
  return publishChanges({
    gitlab,
    workspace,
    event: ev,
    context: ctx,
    bot: botIdentity(),
    asker: { username: ada.username, name: "Ada", email: "ada@example.com" },
    summary: "Tweaked it.",
    pushMode: "auto",
    botUserId: bot.id,
    redact: (text) => text,
    secretValues: [bot.token],
    gitlabUrl: sandbox.url,
    token: bot.token,
    projectPath: project.path_with_namespace,
    jobUrl: `${sandbox.url}/${project.path_with_namespace}/-/jobs/42`,
    sleep: async () => undefined,
    ...extra,
  });
}

/**
 * A merge request whose last commit is the bot's: opened by `opener` from a branch the bot made. Then
 * whatever `meanwhile` does, then ada's note asking for the change (the note the run answers).
 */
async function botBranch(
  branch: string,
  opener: SandboxUser,
  meanwhile: (iid: number) => Promise<void> = async () => undefined,
) {
  await apiCommit(ada, branch, `${branch.replace(/\W/g, "_")}.txt`, "main");
  const botCommit = await apiCommit(bot, branch, `${branch.replace(/\W/g, "_")}.txt`);
  const mr = await opener.client.ok<{ iid: number }>("POST", `/projects/${project.id}/merge_requests`, {
    source_branch: branch,
    target_branch: "main",
    title: `Work on ${branch}`,
  });
  await meanwhile(mr.iid);
  const trigger = await ada.client.ok<{ id: number }>(
    "POST",
    `/projects/${project.id}/merge_requests/${mr.iid}/notes`,
    { body: "@claude tweak it" },
  );
  const ev = event("MergeRequest", mr.iid, trigger.id);
  const ctx = context("merge_request", { iid: mr.iid, branch }, trigger.id);
  const dir = await ciCheckout();
  const workspace = await prepare(dir, ev, ctx);
  expect(workspace.startSha).toBe(botCommit.id);
  await writeFile(join(dir, "tweak.txt"), "tweaked\n");
  const botParent = (await commitInfo(botCommit.id)).parent_ids;
  return { ev, ctx, workspace, botCommit, botParent };
}

describe("push_mode auto", () => {
  it("amends the bot's own last commit on its own merge request that nobody reviewed since, with force-with-lease", async () => {
    const { ev, ctx, workspace, botParent } = await botBranch("claude/1-auto", bot);
    const result = await publish(workspace, ev, ctx);
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);
    expect(await branchHead("claude/1-auto")).toBe(result.commitSha);
    // The amended commit replaces the bot's: same parent, both changes in it.
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual(botParent);
  });

  it("adds a commit when someone commented after the bot's last commit", async () => {
    const { ev, ctx, workspace, botCommit } = await botBranch("claude/2-commented", bot, async (iid) => {
      await ada.client.ok("POST", `/projects/${project.id}/merge_requests/${iid}/notes`, {
        body: "This loop looks off to me.",
      });
    });
    const result = await publish(workspace, ev, ctx);
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([botCommit.id]);
  });

  it("adds a commit when the merge request is approved", async () => {
    const { ev, ctx, workspace, botCommit } = await botBranch("claude/3-approved", bot, async (iid) => {
      // A notes-only body: GitLab approves and keeps no note but its system note.
      await ada.client.call("POST", `/projects/${project.id}/merge_requests/${iid}/notes`, {
        body: "/approve",
      });
      const approvals = await admin.ok<{ approved_by: unknown[] }>(
        "GET",
        `/projects/${project.id}/merge_requests/${iid}/approvals`,
      );
      expect(approvals.approved_by).toHaveLength(1);
    });
    const result = await publish(workspace, ev, ctx);
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([botCommit.id]);
  });

  it("adds a commit on a merge request someone else opened, even from the bot's commit", async () => {
    const { ev, ctx, workspace, botCommit } = await botBranch("claude/4-theirs", ada);
    const result = await publish(workspace, ev, ctx);
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([botCommit.id]);
  });

  it("push_mode commit adds a commit even where auto would amend", async () => {
    const { ev, ctx, workspace, botCommit } = await botBranch("claude/5-commit", bot);
    const result = await publish(workspace, ev, ctx, { pushMode: "commit" });
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);
    expect((await commitInfo(result.commitSha)).parent_ids).toEqual([botCommit.id]);
  });
});

describe("branch name template", () => {
  it("names the issue's branch and merge request source after the template", async () => {
    const issue = await ada.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, {
      title: "Speed up the build",
    });
    const ev = event("Issue", issue.iid, 901);
    const ctx = context("issue", { iid: issue.iid, title: "Speed up the build" }, 901);
    const dir = await ciCheckout();
    const workspace = await prepare(dir, ev, ctx, "agents/{assistant}/{kind}-{iid}_{slug}");
    expect(workspace.workBranch).toBe(`agents/claude/issue-${issue.iid}_speed-up-the-build`);
    await writeFile(join(dir, "build.txt"), "fast\n");
    const result = await publish(workspace, ev, ctx, {
      branchNameTemplate: "agents/{assistant}/{kind}-{iid}_{slug}",
    });
    expect(result).toMatchObject({ kind: "merge_request", branch: workspace.workBranch });
    const mrs = await admin.ok<Array<{ source_branch: string }>>(
      "GET",
      `/projects/${project.id}/merge_requests?source_branch=${encodeURIComponent(workspace.workBranch!)}`,
    );
    expect(mrs.map((mr) => mr.source_branch)).toEqual([workspace.workBranch]);
  });
});

describe("signed commits (SSH_SIGNING_KEY)", () => {
  it("signs the bot's commit with the key, as git's SSH signature GitLab keeps in the commit", async () => {
    const keys = await mkdtemp(join(tmpdir(), "signing-test-"));
    scratch.push(keys);
    await promisify(execFile)("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "bot",
      "-f",
      join(keys, "id"),
    ]);
    const privateKey = await readFile(join(keys, "id"), "utf8");
    // As a masked variable holds it: base64, one line.
    const signingKey = openSshPrivateKey(Buffer.from(privateKey).toString("base64"));
    expect(signingKey).toBe(privateKey);

    const { ev, ctx, workspace } = await botBranch("claude/6-signed", ada);
    const result = await publish(workspace, ev, ctx, { signingKey });
    if (result.kind !== "commit") throw new Error(`expected a commit, got ${result.kind}`);

    const clone = await mkdtemp(join(tmpdir(), "signing-clone-"));
    scratch.push(clone);
    await git(clone, "clone", "-q", cloneUrl(sandbox.url, ada.token, project.path_with_namespace), ".");
    await git(clone, "fetch", "-q", "origin", "claude/6-signed");
    expect(await git(clone, "rev-parse", "FETCH_HEAD")).toBe(result.commitSha);
    expect(await git(clone, "cat-file", "commit", result.commitSha)).toContain(
      "-----BEGIN SSH SIGNATURE-----",
    );
    const publicKey = (await readFile(join(keys, "id.pub"), "utf8")).trim();
    await writeFile(join(keys, "allowed"), `${botIdentity().email} namespaces="git" ${publicKey}\n`);
    const verified = await git(
      clone,
      "-c",
      `gpg.ssh.allowedSignersFile=${join(keys, "allowed")}`,
      "log",
      "-1",
      "--format=%G?",
      result.commitSha,
    );
    expect(verified).toBe("G");
  });
});
