// Threads through @gitbeaker/rest and plain HTTP: issue threads, replies that turn a plain note into a thread,
// resolving, and inline merge request comments accepted and rejected by GitLab's position rules.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commit, featureMergeRequest, gitlab, startWorld, type World } from "./api-fixtures.ts";

let w: World;
let mr: Awaited<ReturnType<typeof featureMergeRequest>>;

beforeAll(async () => {
  w = await startWorld("threads");
  mr = await featureMergeRequest(w, "threads-feature");
});

afterAll(async () => {
  await w.sandbox.close();
});

interface NoteJson {
  id: number;
  type: string | null;
  body: string;
  resolvable: boolean;
  resolved?: boolean;
  resolved_by?: { username: string } | null;
  position?: Record<string, unknown>;
}
interface DiscussionJson {
  id: string;
  individual_note: boolean;
  notes: NoteJson[];
}

const mrDiscussions = (): string => `/projects/${w.project.id}/merge_requests/${mr.iid}/discussions`;

describe("issue threads", () => {
  it("starts a thread, replies, edits a reply and lists threads", async () => {
    const issue = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Q",
    });
    const api = gitlab(w, w.dev);
    const thread = await api.IssueDiscussions.create(w.project.id, issue.iid, "Question?");
    expect(thread.id).toMatch(/^[0-9a-f]{40}$/);
    expect(thread.individual_note).toBe(false);
    const first = thread.notes?.[0] as unknown as NoteJson;
    expect(first).toMatchObject({ type: "DiscussionNote", body: "Question?", resolvable: false });
    const reply = await gitlab(w, w.reporter).IssueDiscussions.addNote(
      w.project.id,
      issue.iid,
      thread.id,
      "Answer.",
    );
    expect(reply).toMatchObject({ type: "DiscussionNote", body: "Answer." });
    const edited = await gitlab(w, w.reporter).IssueDiscussions.editNote(
      w.project.id,
      issue.iid,
      thread.id,
      reply.id,
      {
        body: "Better answer.",
      },
    );
    expect(edited.body).toBe("Better answer.");
    const shown = await api.IssueDiscussions.show(w.project.id, issue.iid, thread.id);
    const shownNotes = (shown as unknown as DiscussionJson).notes;
    expect(shownNotes.map((n) => n.body)).toEqual(["Question?", "Better answer."]);
    const listed = await api.IssueDiscussions.all(w.project.id, issue.iid);
    expect(listed).toHaveLength(1);
    const missing = await w.dev.client.call(
      "GET",
      `/projects/${w.project.id}/issues/${issue.iid}/discussions/${"0".repeat(40)}`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: "404 Discussion Not Found" });
  });

  it("turns a plain note into a thread when someone replies to it", async () => {
    const issue = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "P",
    });
    const base = `/projects/${w.project.id}/issues/${issue.iid}`;
    const plain = await w.dev.client.ok<{ id: number }>("POST", `${base}/notes`, { body: "Plain" });
    const before = await w.dev.client.ok<DiscussionJson[]>("GET", `${base}/discussions`);
    expect(before).toHaveLength(1);
    expect(before[0]?.individual_note).toBe(true);
    const discussionId = before[0]?.id as string;
    const reply = await w.dev.client.ok<NoteJson>("POST", `${base}/discussions/${discussionId}/notes`, {
      body: "Re",
    });
    expect(reply.type).toBe("DiscussionNote");
    const after = await w.dev.client.ok<DiscussionJson>("GET", `${base}/discussions/${discussionId}`);
    expect(after.individual_note).toBe(false);
    expect(after.notes.map((n) => [n.id, n.type])).toEqual([
      [plain.id, "DiscussionNote"],
      [reply.id, "DiscussionNote"],
    ]);
    const blank = await w.dev.client.call("POST", `${base}/discussions/${discussionId}/notes`, { body: " " });
    expect(blank.status).toBe(400);
    expect((blank.body as { message: string }).message).toContain("can't be blank");
  });

  it("refuses to resolve a thread on an issue", async () => {
    const issue = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "R",
    });
    const base = `/projects/${w.project.id}/issues/${issue.iid}/discussions`;
    const thread = await w.dev.client.ok<DiscussionJson>("POST", base, { body: "x" });
    const answer = await w.dev.client.call("PUT", `${base}/${thread.id}`, { resolved: true });
    expect(answer.status).toBe(400);
  });
});

describe("merge request threads", () => {
  it("creates, resolves and unresolves a thread", async () => {
    const api = gitlab(w, w.reporter);
    const thread = await api.MergeRequestDiscussions.create(w.project.id, mr.iid, "Please rename");
    const first = thread.notes?.[0] as unknown as NoteJson;
    expect(first).toMatchObject({
      type: "DiscussionNote",
      resolvable: true,
      resolved: false,
      resolved_by: null,
    });
    const resolved = await w.dev.client.ok<DiscussionJson>("PUT", `${mrDiscussions()}/${thread.id}`, {
      resolved: true,
    });
    expect(resolved.notes[0]).toMatchObject({ resolved: true, resolved_by: { username: w.dev.username } });
    const noteAnswer = await w.dev.client.ok<NoteJson>(
      "PUT",
      `${mrDiscussions()}/${thread.id}/notes/${first.id}`,
      { resolved: false },
    );
    expect(noteAnswer.resolved).toBe(false);
    const both = await w.dev.client.call("PUT", `${mrDiscussions()}/${thread.id}/notes/${first.id}`, {
      resolved: true,
      body: "x",
    });
    expect(both.status).toBe(400);
    const guest = await w.guest.client.call("PUT", `${mrDiscussions()}/${thread.id}`, { resolved: true });
    expect(guest.status).toBe(404); // a guest cannot read a private project's merge requests at all
  });

  it("accepts inline comments on added, removed and unchanged lines", async () => {
    const versions = await w.dev.client.ok<Array<{ id: number; head_commit_sha: string }>>(
      "GET",
      `/projects/${w.project.id}/merge_requests/${mr.iid}/versions`,
    );
    expect(versions[0]?.head_commit_sha).toBe(mr.diff_refs.head_sha);
    const api = gitlab(w, w.reporter);
    const refs = {
      baseSha: mr.diff_refs.base_sha,
      startSha: mr.diff_refs.start_sha,
      headSha: mr.diff_refs.head_sha,
    };
    const added = await api.MergeRequestDiscussions.create(w.project.id, mr.iid, "Shouting?", {
      position: {
        ...refs,
        positionType: "text",
        oldPath: "src/app.txt",
        newPath: "src/app.txt",
        newLine: "3",
      },
    });
    const note = added.notes?.[0] as unknown as NoteJson & { position: Record<string, unknown> };
    expect(note).toMatchObject({ type: "DiffNote", resolvable: true, resolved: false });
    expect(note.position).toEqual({
      base_sha: mr.diff_refs.base_sha,
      start_sha: mr.diff_refs.start_sha,
      head_sha: mr.diff_refs.head_sha,
      old_path: "src/app.txt",
      new_path: "src/app.txt",
      position_type: "text",
      old_line: null,
      new_line: 3,
      line_range: null,
    });
    const removed = await w.reporter.client.call<DiscussionJson>("POST", mrDiscussions(), {
      body: "Why remove?",
      position: {
        ...mr.diff_refs,
        position_type: "text",
        old_path: "src/app.txt",
        new_path: "src/app.txt",
        old_line: 3,
      },
    });
    expect(removed.status).toBe(201);
    const context = await w.reporter.client.call<DiscussionJson>("POST", mrDiscussions(), {
      body: "Context",
      position: {
        ...mr.diff_refs,
        position_type: "text",
        old_path: "src/app.txt",
        new_path: "src/app.txt",
        old_line: 2,
        new_line: 2,
      },
    });
    expect(context.status).toBe(201);
    const newFile = await w.reporter.client.call<DiscussionJson>("POST", mrDiscussions(), {
      body: "New file",
      position: {
        ...mr.diff_refs,
        position_type: "text",
        old_path: "src/new.txt",
        new_path: "src/new.txt",
        new_line: 1,
      },
    });
    expect(newFile.status).toBe(201);
    // A reply in a diff thread is a DiffNote on the same position.
    const reply = await api.MergeRequestDiscussions.addNote(w.project.id, mr.iid, added.id, "Fixed");
    expect(reply).toMatchObject({ type: "DiffNote" });
    expect((reply as unknown as NoteJson).position).toMatchObject({ new_line: 3 });
  });

  it("rejects positions GitLab rejects", async () => {
    const post = (position: Record<string, unknown>) =>
      w.reporter.client.call<{ message?: string; error?: string }>("POST", mrDiscussions(), {
        body: "x",
        position,
      });
    const base = { ...mr.diff_refs, position_type: "text", old_path: "src/app.txt", new_path: "src/app.txt" };
    for (const position of [
      { ...base, new_line: 1 }, // an unchanged line given as added
      { ...base, new_line: 99 }, // past the end of the diff
      { ...base, old_line: 1, new_line: 2 }, // numbers of two different lines
      { ...base, old_path: "README.md", new_path: "README.md", new_line: 1 }, // a file outside the diff
      { ...base, head_sha: "f".repeat(40), new_line: 3 }, // not a version of this merge request
      { ...base, old_path: undefined, new_line: 3 }, // old_path is required
      { ...base }, // no line at all
    ]) {
      const answer = await post(position);
      expect(answer.status, JSON.stringify(position)).toBe(400);
      expect(answer.body.message).toContain("line_code");
      expect(answer.body.message).toContain("400 Bad request - Note");
    }
    const missing = await post({
      start_sha: mr.diff_refs.start_sha,
      head_sha: mr.diff_refs.head_sha,
      position_type: "text",
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "position[base_sha] is missing" });
    const badLine = await post({ ...base, new_line: "three" });
    expect(badLine.status).toBe(400);
    expect(badLine.body).toEqual({ error: "position[new_line] is invalid" });
  });

  it("keeps older versions commentable after a push, and checks lines against the version named", async () => {
    await commit(w.dev.client, w.project.id, "threads-feature", [
      { action: "update", file_path: "src/new.txt", content: "alpha\nbeta\ngamma\ndelta\n" },
    ]);
    const updated = await w.dev.client.ok<{ diff_refs: typeof mr.diff_refs }>(
      "GET",
      `/projects/${w.project.id}/merge_requests/${mr.iid}`,
    );
    expect(updated.diff_refs.head_sha).not.toBe(mr.diff_refs.head_sha);
    const onNew = await w.reporter.client.call("POST", mrDiscussions(), {
      body: "delta?",
      position: {
        ...updated.diff_refs,
        position_type: "text",
        old_path: "src/new.txt",
        new_path: "src/new.txt",
        new_line: 4,
      },
    });
    expect(onNew.status).toBe(201);
    const onOld = await w.reporter.client.call("POST", mrDiscussions(), {
      body: "delta in the old version?",
      position: {
        ...mr.diff_refs,
        position_type: "text",
        old_path: "src/new.txt",
        new_path: "src/new.txt",
        new_line: 4,
      },
    });
    expect(onOld.status).toBe(400);
  });
});
