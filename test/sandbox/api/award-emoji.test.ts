// Award emoji on notes, issues and merge requests through @gitbeaker/rest and plain HTTP, including the claim
// the bridge relies on: the same user awarding the same emoji twice gets GitLab's 404 "has already been taken".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { featureMergeRequest, gitlab, startWorld, type World } from "./api-fixtures.ts";

let w: World;
let issueIid: number;
let noteId: number;

beforeAll(async () => {
  w = await startWorld("awards");
  issueIid = (
    await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, { title: "Vote" })
  ).iid;
  noteId = (
    await w.dev.client.ok<{ id: number }>("POST", `/projects/${w.project.id}/issues/${issueIid}/notes`, {
      body: "@claude please look",
    })
  ).id;
});

afterAll(async () => {
  await w.sandbox.close();
});

const noteAwards = (): string => `/projects/${w.project.id}/issues/${issueIid}/notes/${noteId}/award_emoji`;

describe("award emoji on notes", () => {
  it("awards once per user and name; the second claim is GitLab's 404 'has already been taken'", async () => {
    const bot = gitlab(w, w.reporter);
    const award = await bot.IssueNoteAwardEmojis.award(w.project.id, issueIid, noteId, "eyes");
    expect(award).toMatchObject({
      name: "eyes",
      awardable_id: noteId,
      awardable_type: "Note",
      user: { id: w.reporter.id, username: w.reporter.username },
    });
    expect(typeof award.created_at).toBe("string");
    const again = await w.reporter.client.call("POST", noteAwards(), { name: "eyes" });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ message: "404 Award Emoji Name has already been taken Not Found" });
    await expect(bot.IssueNoteAwardEmojis.award(w.project.id, issueIid, noteId, "eyes")).rejects.toThrow();
    // Another user may award the same emoji, and the same user another emoji.
    expect((await w.dev.client.call("POST", noteAwards(), { name: "eyes" })).status).toBe(201);
    expect((await w.reporter.client.call("POST", noteAwards(), { name: "rocket" })).status).toBe(201);
    const all = await bot.IssueNoteAwardEmojis.all(w.project.id, issueIid, noteId);
    expect(all.map((a) => `${a.name}:${a.user.username}`).sort()).toEqual(
      [`eyes:${w.dev.username}`, `eyes:${w.reporter.username}`, `rocket:${w.reporter.username}`].sort(),
    );
  });

  it("lets exactly one of many concurrent claims win", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => w.maintainer.client.call("POST", noteAwards(), { name: "hourglass" })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 404)).toHaveLength(7);
  });

  it("rejects unknown names, normalises aliases, and needs a name", async () => {
    const unknown = await w.dev.client.call("POST", noteAwards(), { name: "not_an_emoji_at_all" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: "404 Award Emoji Name is not a valid emoji name Not Found" });
    const alias = await w.dev.client.ok<{ name: string }>("POST", noteAwards(), { name: "+1" });
    expect(alias.name).toBe("thumbsup");
    const missing = await w.dev.client.call("POST", noteAwards(), {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "name is missing" });
  });

  it("removes only one's own award (403 otherwise), after which it can be claimed again", async () => {
    const award = await w.guest.client.ok<{ id: number }>("POST", noteAwards(), { name: "tada" });
    const byOther = await w.dev.client.call("DELETE", `${noteAwards()}/${award.id}`);
    expect(byOther.status).toBe(403);
    const shown = await w.dev.client.ok<{ id: number }>("GET", `${noteAwards()}/${award.id}`);
    expect(shown.id).toBe(award.id);
    expect((await w.guest.client.call("DELETE", `${noteAwards()}/${award.id}`)).status).toBe(204);
    expect((await w.dev.client.call("GET", `${noteAwards()}/${award.id}`)).status).toBe(404);
    expect((await w.guest.client.call("POST", noteAwards(), { name: "tada" })).status).toBe(201);
  });

  it("answers 404 for a note that is not on this issue", async () => {
    const other = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Other",
    });
    const answer = await w.dev.client.call(
      "POST",
      `/projects/${w.project.id}/issues/${other.iid}/notes/${noteId}/award_emoji`,
      {
        name: "eyes",
      },
    );
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ message: "404 Note Not Found" });
  });
});

describe("award emoji on issues and merge requests", () => {
  it("counts thumbs as upvotes and downvotes, with the same uniqueness", async () => {
    const api = gitlab(w, w.dev);
    await api.IssueAwardEmojis.award(w.project.id, issueIid, "thumbsup");
    await gitlab(w, w.reporter).IssueAwardEmojis.award(w.project.id, issueIid, "thumbsdown");
    const dup = await w.dev.client.call("POST", `/projects/${w.project.id}/issues/${issueIid}/award_emoji`, {
      name: "thumbsup",
    });
    expect(dup.status).toBe(404);
    expect(JSON.stringify(dup.body)).toContain("has already been taken");
    const issue = await w.dev.client.ok<{ upvotes: number; downvotes: number }>(
      "GET",
      `/projects/${w.project.id}/issues/${issueIid}`,
    );
    expect(issue).toMatchObject({ upvotes: 1, downvotes: 1 });
    const mr = await featureMergeRequest(w, "awards-feature");
    const mrAward = await api.MergeRequestAwardEmojis.award(w.project.id, mr.iid, "rocket");
    expect(mrAward).toMatchObject({ awardable_type: "MergeRequest", name: "rocket" });
    const mrNote = await w.dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${w.project.id}/merge_requests/${mr.iid}/notes`,
      { body: "note" },
    );
    const onMrNote = await gitlab(w, w.reporter).MergeRequestNoteAwardEmojis.award(
      w.project.id,
      mr.iid,
      mrNote.id,
      "eyes",
    );
    expect(onMrNote).toMatchObject({ awardable_type: "Note", awardable_id: mrNote.id });
  });
});
