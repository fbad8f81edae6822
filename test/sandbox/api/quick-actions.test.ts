// Quick actions in the sandbox, held to GitLab: notes and issue / merge request descriptions created or edited
// through the API run the commands at the start of a line of a top-level paragraph, as the author, and lose
// those lines. References: lib/gitlab/quick_actions/extractor.rb (the regex, ^\/ and case-insensitive
// names, inline code and HTML blocks skipped) with lib/banzai/filter/quick_action_filter.rb (top-level <p>
// only, so never in fenced code, quotes or lists); app/services/notes/create_service.rb and
// API::Helpers::NotesHelpers#process_note_creation_result (202 and Entities::NoteCommands for a body of
// only commands); app/services/notes/update_service.rb (edits too); lib/gitlab/quick_actions/
// issuable_actions.rb, issue_and_merge_request_actions.rb, merge_request_actions.rb (the conditions).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commit, featureMergeRequest, startWorld, type World } from "./api-fixtures.ts";

let w: World;

beforeAll(async () => {
  w = await startWorld("quick");
  // GitLab's /label only adds labels that exist in the project; one used here makes ~x exist.
  await w.dev.client.ok("POST", `/projects/${w.project.id}/issues`, { title: "Labelled", labels: "x,bug" });
});

afterAll(async () => {
  await w.sandbox.close();
});

interface IssueJson {
  iid: number;
  state: string;
  labels: string[];
  title: string;
  description: string;
  discussion_locked: boolean | null;
  assignees: { username: string }[];
}

async function newIssue(fields: Record<string, unknown> = {}): Promise<IssueJson> {
  return w.dev.client.ok<IssueJson>("POST", `/projects/${w.project.id}/issues`, {
    title: "Target",
    ...fields,
  });
}

const issuePath = (iid: number) => `/projects/${w.project.id}/issues/${iid}`;
const getIssue = (iid: number) => w.dev.client.ok<IssueJson>("GET", issuePath(iid));

describe("quick actions in notes (Notes::CreateService)", () => {
  it("closes, labels, locks and retitles from a note, keeps the rest of the text, and answers 201", async () => {
    const issue = await newIssue();
    const res = await w.dev.client.call("POST", `${issuePath(issue.iid)}/notes`, {
      body: "Done here.\n/close\n/label ~x\n/title Renamed\n/lock\nThanks",
    });
    expect(res.status).toBe(201);
    expect((res.body as { body: string }).body).toBe("Done here.\nThanks");
    const after = await getIssue(issue.iid);
    expect(after).toMatchObject({
      state: "closed",
      labels: ["x"],
      title: "Renamed",
      discussion_locked: true,
    });
  });

  it("answers 202 with commands_changes and summary, and stores no note, for a body of only commands", async () => {
    const issue = await newIssue();
    const res = await w.dev.client.call("POST", `${issuePath(issue.iid)}/notes`, { body: "/close\n" });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ commands_changes: { state_event: "close" }, summary: ["Closed this issue."] });
    const notes = await w.dev.client.ok<{ system: boolean }[]>("GET", `${issuePath(issue.iid)}/notes`);
    expect(notes.filter((n) => !n.system)).toEqual([]);
    expect((await getIssue(issue.iid)).state).toBe("closed");
  });

  it("matches names in any case, reopens, assigns and unassigns, and removes labels", async () => {
    const issue = await newIssue({ labels: "bug" });
    await w.dev.client.ok("POST", `${issuePath(issue.iid)}/notes`, { body: "/CLOSE" });
    expect((await getIssue(issue.iid)).state).toBe("closed");
    await w.dev.client.ok("POST", `${issuePath(issue.iid)}/notes`, {
      body: `/Reopen\n/assign @${w.reporter.username}\n/unlabel ~bug`,
    });
    const reopened = await getIssue(issue.iid);
    expect(reopened).toMatchObject({ state: "opened", labels: [] });
    expect(reopened.assignees.map((a) => a.username)).toEqual([w.reporter.username]);
    await w.dev.client.ok("POST", `${issuePath(issue.iid)}/notes`, { body: "/unassign" });
    expect((await getIssue(issue.iid)).assignees).toEqual([]);
  });

  it("leaves lines alone in fenced code, quotes, lists, inline code, indented or escaped, and mid-line", async () => {
    const issue = await newIssue();
    const body = [
      "```",
      "/close",
      "```",
      "",
      "~~~sh",
      "/close",
      "~~~",
      "",
      "> /close",
      "",
      "- /close",
      "",
      "`",
      "/close",
      "`",
      "",
      "    /close",
      "",
      " /close",
      "",
      "\\/close",
      "",
      "\u200B/close",
      "",
      "please /close",
    ].join("\n");
    const res = await w.dev.client.call("POST", `${issuePath(issue.iid)}/notes`, { body });
    expect(res.status).toBe(201);
    expect((res.body as { body: string }).body).toBe(body);
    expect((await getIssue(issue.iid)).state).toBe("opened");
  });

  it("runs commands as the author: a Guest's /close does nothing, but the line still leaves the text", async () => {
    const issue = await newIssue();
    const res = await w.guest.client.call("POST", `${issuePath(issue.iid)}/notes`, { body: "hi\n/close" });
    expect(res.status).toBe(201);
    expect((res.body as { body: string }).body).toBe("hi");
    expect((await getIssue(issue.iid)).state).toBe("opened");
  });

  it("runs commands from an edit (Notes::UpdateService); an edit to only commands deletes the note, 202", async () => {
    const issue = await newIssue();
    const note = await w.dev.client.ok<{ id: number }>("POST", `${issuePath(issue.iid)}/notes`, {
      body: "hi",
    });
    const edited = await w.dev.client.call("PUT", `${issuePath(issue.iid)}/notes/${note.id}`, {
      body: "hi again\n/label ~x",
    });
    expect(edited.status).toBe(200);
    expect((edited.body as { body: string }).body).toBe("hi again");
    expect((await getIssue(issue.iid)).labels).toEqual(["x"]);
    const only = await w.dev.client.call("PUT", `${issuePath(issue.iid)}/notes/${note.id}`, {
      body: "/close",
    });
    expect(only.status).toBe(202);
    expect((await getIssue(issue.iid)).state).toBe("closed");
    const gone = await w.dev.client.call("GET", `${issuePath(issue.iid)}/notes/${note.id}`);
    expect(gone.status).toBe(404);
  });

  it("runs commands in thread notes; a thread of only commands runs them and answers 400 (blank note)", async () => {
    const issue = await newIssue();
    const thread = await w.dev.client.ok<{ id: string; notes: { body: string }[] }>(
      "POST",
      `${issuePath(issue.iid)}/discussions`,
      { body: "A thread\n/label ~x" },
    );
    expect(thread.notes[0]?.body).toBe("A thread");
    const reply = await w.dev.client.call("POST", `${issuePath(issue.iid)}/discussions/${thread.id}/notes`, {
      body: "/close",
    });
    expect(reply.status).toBe(400);
    expect(await getIssue(issue.iid)).toMatchObject({ state: "closed", labels: ["x"] });
  });
});

describe("quick actions on merge requests (merge_request_actions.rb)", () => {
  it("merges with a real merge commit and approves from notes", async () => {
    const mr = await featureMergeRequest(w, "quick-merge");
    const path = `/projects/${w.project.id}/merge_requests/${mr.iid}`;
    await w.dev.client.ok("POST", `${path}/notes`, { body: "LGTM\n/approve" });
    const approvals = await w.dev.client.ok<{ approved_by: { user: { username: string } }[] }>(
      "GET",
      `${path}/approvals`,
    );
    expect(approvals.approved_by.map((a) => a.user.username)).toEqual([w.dev.username]);
    const res = await w.dev.client.call("POST", `${path}/notes`, { body: "/merge" });
    expect(res.status).toBe(202);
    const merged = await w.dev.client.ok<{ state: string; merge_commit_sha: string }>("GET", path);
    expect(merged.state).toBe("merged");
    const main = await w.dev.client.ok<{ commit: { id: string; parent_ids: string[] } }>(
      "GET",
      `/projects/${w.project.id}/repository/branches/${w.project.default_branch}`,
    );
    expect(main.commit.id).toBe(merged.merge_commit_sha);
  });

  it("labels a new merge request from its description but cannot merge or close it there (not persisted)", async () => {
    await commit(
      w.dev.client,
      w.project.id,
      "quick-desc",
      [{ action: "create", file_path: "d.txt", content: "d\n" }],
      w.project.default_branch,
    );
    const mr = await w.dev.client.ok<{ iid: number; description: string; labels: string[]; state: string }>(
      "POST",
      `/projects/${w.project.id}/merge_requests`,
      {
        source_branch: "quick-desc",
        target_branch: w.project.default_branch,
        title: "Described",
        description: "Summary\n/merge\n/close\n/label ~x",
      },
    );
    expect(mr).toMatchObject({ description: "Summary", labels: ["x"], state: "opened" });
    const updated = await w.dev.client.ok<{ state: string; description: string }>(
      "PUT",
      `/projects/${w.project.id}/merge_requests/${mr.iid}`,
      { description: "Updated\n/close" },
    );
    expect(updated).toMatchObject({ state: "closed", description: "Updated" });
  });

  it("labels and assigns a new issue from its description", async () => {
    const issue = await newIssue({ description: `Text\n/label ~x\n/assign me\n/close` });
    expect(issue).toMatchObject({ description: "Text", labels: ["x"], state: "opened" });
    expect(issue.assignees.map((a) => a.username)).toEqual([w.dev.username]);
  });
});
