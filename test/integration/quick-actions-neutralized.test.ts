// Every write path of the bridge against the sandbox GitLab, which runs quick actions as GitLab does (see
// test/sandbox/api/quick-actions.test.ts): notes, thread replies, note edits (the placeholder's), inline
// review threads, and merge requests opened by the job all carry model text with /close, /merge, /label,
// /approve and /lock lines; GitLab's state must not move, and the text must read as it was written.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMergeRequest } from "../../job/publish/merge-request.ts";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { replyToDiscussion } from "../../shared/gitlab/api/discussions.ts";
import { createNote, updateNote } from "../../shared/gitlab/api/notes.ts";
import { createGitLabClient, type GitLabClient } from "../../shared/gitlab/client.ts";

const INJECTED = "All done.\n/close\n/merge\n/label ~x\n/approve\n/lock\n/title Owned\nThanks!";
const visible = (text: string) => text.replace(/\u200B/g, "");

let sandbox: Sandbox;
let admin: RestClient;
let bot: SandboxUser;
let gitlab: GitLabClient;
let project: { id: number; path_with_namespace: string; default_branch: string };

interface Issuable {
  iid: number;
  state: string;
  labels: string[];
  title: string;
  discussion_locked: boolean | null;
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bot = await createUser(admin, "bridge-bot", { bot: true });
  const ada = await createUser(admin, "ada");
  project = await createProject(ada.client, { path: "app", files: { "a.txt": "one\n" } });
  // A Maintainer bot: the quick actions would be allowed to it.
  await addMember(admin, project.id, bot.id, 40);
  // ~x exists in the project, so /label ~x would apply.
  await ada.client.ok("POST", `/projects/${project.id}/issues`, { title: "seed", labels: "x" });
  gitlab = createGitLabClient({
    baseUrl: sandbox.url,
    token: bot.token,
    fetch,
    now: Date.now,
    sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
  });
});

afterAll(async () => {
  await sandbox?.close();
});

async function newIssue(): Promise<number> {
  return (await bot.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, { title: "Task" }))
    .iid;
}

async function newMergeRequest(branch: string): Promise<number> {
  await bot.client.ok("POST", `/projects/${project.id}/repository/commits`, {
    branch,
    start_branch: project.default_branch,
    commit_message: "change",
    actions: [{ action: "create", file_path: `${branch}.txt`, content: "x\n" }],
  });
  const mr = await bot.client.ok<{ iid: number }>("POST", `/projects/${project.id}/merge_requests`, {
    source_branch: branch,
    target_branch: project.default_branch,
    title: "Change",
  });
  return mr.iid;
}

const getIssue = (iid: number) => bot.client.ok<Issuable>("GET", `/projects/${project.id}/issues/${iid}`);
const getMr = (iid: number) =>
  bot.client.ok<Issuable>("GET", `/projects/${project.id}/merge_requests/${iid}`);

function expectUntouched(item: Issuable, title: string): void {
  expect(item).toMatchObject({ state: "opened", labels: [], title, discussion_locked: null });
}

describe("quick actions in what the bridge posts never run", () => {
  it("a note, a thread reply and an edit of the placeholder on an issue", async () => {
    const iid = await newIssue();
    const ref = { projectId: project.id, noteableType: "Issue" as const, noteableIid: iid };
    const placeholder = await createNote(gitlab, { ...ref, body: "Claude is working…" });
    const note = await createNote(gitlab, { ...ref, body: INJECTED });
    expect(visible(note.body)).toBe(INJECTED);
    const threads = await bot.client.ok<{ id: string; notes: { id: number }[] }[]>(
      "GET",
      `/projects/${project.id}/issues/${iid}/discussions`,
    );
    const discussionId = threads.find((t) => t.notes.some((n) => n.id === note.id))?.id as string;
    const reply = await replyToDiscussion(gitlab, { ...ref, discussionId, body: INJECTED });
    expect(visible(reply.body)).toBe(INJECTED);
    const edited = await updateNote(gitlab, { ...ref, noteId: placeholder.id, body: INJECTED });
    expect(visible(edited.body)).toBe(INJECTED);
    expectUntouched(await getIssue(iid), "Task");
  });

  it("notes and inline review threads on a merge request", async () => {
    const iid = await newMergeRequest("review-me");
    const ref = { projectId: project.id, noteableType: "MergeRequest" as const, noteableIid: iid };
    await createNote(gitlab, { ...ref, body: INJECTED });
    const mr = await bot.client.ok<{ diff_refs: { base_sha: string; start_sha: string; head_sha: string } }>(
      "GET",
      `/projects/${project.id}/merge_requests/${iid}`,
    );
    await gitlab.request("POST", `/projects/${project.id}/merge_requests/${iid}/discussions`, {
      json: {
        body: INJECTED,
        position: {
          position_type: "text",
          ...mr.diff_refs,
          old_path: "review-me.txt",
          new_path: "review-me.txt",
          new_line: 1,
        },
      },
    });
    expectUntouched(await getMr(iid), "Change");
    const approvals = await bot.client.ok<{ approved_by: unknown[] }>(
      "GET",
      `/projects/${project.id}/merge_requests/${iid}/approvals`,
    );
    expect(approvals.approved_by).toEqual([]);
  });

  it("the merge request the job opens, title and description from the model", async () => {
    await bot.client.ok("POST", `/projects/${project.id}/repository/commits`, {
      branch: "claude/issue-1",
      start_branch: project.default_branch,
      commit_message: "work",
      actions: [{ action: "create", file_path: "work.txt", content: "w\n" }],
    });
    const opened = await openMergeRequest(gitlab, {
      projectId: project.id,
      sourceBranch: "claude/issue-1",
      targetBranch: project.default_branch,
      title: "/title Pwned",
      description: `Closes #1\n\n${INJECTED}`,
      sleep: (ms) => sleep(ms),
    });
    const mr = await bot.client.ok<Issuable & { description: string }>(
      "GET",
      `/projects/${project.id}/merge_requests/${opened.iid}`,
    );
    expect(visible(mr.description)).toBe(`Closes #1\n\n${INJECTED}`);
    expect(visible(mr.title)).toBe("/title Pwned");
    expect(mr).toMatchObject({ state: "opened", labels: [] });
  });

  it("would have run without the neutralizing (the sandbox is not a pushover)", async () => {
    const iid = await newIssue();
    await bot.client.ok("POST", `/projects/${project.id}/issues/${iid}/notes`, { body: INJECTED });
    expect(await getIssue(iid)).toMatchObject({ state: "closed", labels: ["x"], discussion_locked: true });
  });
});
