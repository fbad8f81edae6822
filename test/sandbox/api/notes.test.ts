// Notes on issues and merge requests through @gitbeaker/rest and plain HTTP: creation, GitLab's validation
// errors, edits by the author only, sorting, internal notes, pagination over many notes, and bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { featureMergeRequest, gitlab, startWorld, type World } from "./api-fixtures.ts";

let w: World;
let issueIid: number;

beforeAll(async () => {
  w = await startWorld("notes");
  issueIid = (
    await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, { title: "Talk" })
  ).iid;
});

afterAll(async () => {
  await w.sandbox.close();
});

const notesPath = (iid: number, kind = "issues"): string => `/projects/${w.project.id}/${kind}/${iid}/notes`;

describe("notes", () => {
  it("creates a note with GitLab's fields", async () => {
    const api = gitlab(w, w.dev);
    const note = await api.IssueNotes.create(w.project.id, issueIid, "Hello @claude");
    expect(note).toMatchObject({
      type: null,
      body: "Hello @claude",
      attachment: null,
      system: false,
      noteable_type: "Issue",
      noteable_iid: issueIid,
      project_id: w.project.id,
      resolvable: false,
      confidential: false,
      internal: false,
      commands_changes: {},
    });
    expect(note.author).toMatchObject({ id: w.dev.id, username: w.dev.username });
    expect(note).not.toHaveProperty("resolved");
    const shown = await api.IssueNotes.show(w.project.id, issueIid, note.id);
    expect(shown.body).toBe("Hello @claude");
    const issue = await w.dev.client.ok<{ user_notes_count: number }>(
      "GET",
      `/projects/${w.project.id}/issues/${issueIid}`,
    );
    expect(issue.user_notes_count).toBe(1);
  });

  it("creates notes on merge requests too", async () => {
    const mr = await featureMergeRequest(w, "notes-feature");
    const api = gitlab(w, w.reporter);
    const note = await api.MergeRequestNotes.create(w.project.id, mr.iid, "Looks good");
    expect(note).toMatchObject({ noteable_type: "MergeRequest", noteable_iid: mr.iid, type: null });
    const list = await api.MergeRequestNotes.all(w.project.id, mr.iid);
    expect(list.map((n) => n.body)).toContain("Looks good");
  });

  it("answers GitLab's validation errors for blank, missing and too long bodies", async () => {
    const blank = await w.dev.client.call("POST", notesPath(issueIid), { body: "" });
    expect(blank.status).toBe(400);
    expect(blank.body).toEqual({ message: { note: ["can't be blank"] } });
    const missing = await w.dev.client.call("POST", notesPath(issueIid), {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "body is missing" });
    const long = await w.dev.client.call("POST", notesPath(issueIid), { body: "x".repeat(1_000_001) });
    expect(long.status).toBe(400);
    expect(long.body).toEqual({ message: { note: ["is too long (maximum is 1000000 characters)"] } });
    const exact = await w.dev.client.call("POST", notesPath(issueIid), { body: "y".repeat(1_000_000) });
    expect(exact.status).toBe(201);
  });

  it("lets only the author edit a note", async () => {
    const api = gitlab(w, w.dev);
    const note = await api.IssueNotes.create(w.project.id, issueIid, "Draft answer");
    const edited = await api.IssueNotes.edit(w.project.id, issueIid, note.id, { body: "Final answer" });
    expect(edited.body).toBe("Final answer");
    const byOther = await w.maintainer.client.call("PUT", `${notesPath(issueIid)}/${note.id}`, {
      body: "Mine now",
    });
    expect(byOther.status).toBe(403);
    expect(byOther.body).toEqual({ message: "403 Forbidden" });
    const nothing = await w.dev.client.call("PUT", `${notesPath(issueIid)}/${note.id}`, {});
    expect(nothing.status).toBe(400);
    const gone = await w.dev.client.call("PUT", `${notesPath(issueIid)}/99999`, { body: "x" });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ message: "404 Note Not Found" });
  });

  it("deletes a note for its author or a maintainer, not for others", async () => {
    const note = await w.dev.client.ok<{ id: number }>("POST", notesPath(issueIid), { body: "to delete" });
    expect((await w.guest.client.call("DELETE", `${notesPath(issueIid)}/${note.id}`)).status).toBe(403);
    expect((await w.maintainer.client.call("DELETE", `${notesPath(issueIid)}/${note.id}`)).status).toBe(204);
    expect((await w.dev.client.call("GET", `${notesPath(issueIid)}/${note.id}`)).status).toBe(404);
  });

  it("sorts by created_at or updated_at, ascending or descending (default: created_at desc)", async () => {
    const issue = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Sort",
    });
    const path = notesPath(issue.iid);
    const ids: number[] = [];
    for (const body of ["a", "b", "c"])
      ids.push((await w.dev.client.ok<{ id: number }>("POST", path, { body })).id);
    await new Promise((r) => setTimeout(r, 5));
    await w.dev.client.ok("PUT", `${path}/${ids[0]}`, { body: "a, edited" });
    const bodies = async (query: string): Promise<string[]> =>
      (await w.dev.client.ok<Array<{ body: string }>>("GET", `${path}${query}`)).map((n) => n.body);
    expect(await bodies("")).toEqual(["c", "b", "a, edited"]);
    expect(await bodies("?sort=asc")).toEqual(["a, edited", "b", "c"]);
    expect(await bodies("?order_by=updated_at&sort=desc")).toEqual(["a, edited", "c", "b"]);
    const api = gitlab(w, w.dev);
    const viaGitbeaker = await api.IssueNotes.all(w.project.id, issue.iid, {
      sort: "asc",
      orderBy: "updated_at",
    });
    expect(viaGitbeaker.map((n) => n.body)).toEqual(["b", "c", "a, edited"]);
    const bad = await w.dev.client.call("GET", `${path}?sort=sideways`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "sort does not have a valid value" });
  });

  it("keeps internal notes from guests; the legacy `confidential` flag works too", async () => {
    const api = gitlab(w, w.reporter);
    const internal = await api.IssueNotes.create(w.project.id, issueIid, "Only for the team", {
      internal: true,
    });
    expect(internal).toMatchObject({ internal: true, confidential: true });
    const legacy = await w.reporter.client.ok<{ internal: boolean }>("POST", notesPath(issueIid), {
      body: "Also internal",
      confidential: true,
    });
    expect(legacy.internal).toBe(true);
    const seenByGuest = await w.guest.client.ok<Array<{ id: number }>>(
      "GET",
      `${notesPath(issueIid)}?per_page=100`,
    );
    expect(seenByGuest.map((n) => n.id)).not.toContain(internal.id);
    expect((await w.guest.client.call("GET", `${notesPath(issueIid)}/${internal.id}`)).status).toBe(404);
    const seenByDev = await w.dev.client.ok<Array<{ id: number }>>(
      "GET",
      `${notesPath(issueIid)}?per_page=100`,
    );
    expect(seenByDev.map((n) => n.id)).toContain(internal.id);
    const guestInternal = await w.guest.client.call("POST", notesPath(issueIid), {
      body: "psst",
      internal: true,
    });
    expect(guestInternal.status).toBe(403);
  });

  it("honours created_at for admins only", async () => {
    const at = "2020-01-02T03:04:05.000Z";
    const byAdmin = await w.admin.ok<{ created_at: string }>("POST", notesPath(issueIid), {
      body: "old",
      created_at: at,
    });
    expect(byAdmin.created_at).toBe(at);
    const byDev = await w.dev.client.ok<{ created_at: string }>("POST", notesPath(issueIid), {
      body: "new",
      created_at: at,
    });
    expect(byDev.created_at).not.toBe(at);
  });

  it("paginates 250 notes with GitLab's headers, and gitbeaker reads every page", async () => {
    const issue = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Busy",
    });
    const path = notesPath(issue.iid);
    for (let i = 0; i < 250; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) => w.dev.client.ok("POST", path, { body: `note ${i + j}` })),
      );
    }
    const first = await w.dev.client.call<unknown[]>("GET", `${path}?per_page=100`);
    expect(first.body).toHaveLength(100);
    expect(first.headers.get("x-total")).toBe("250");
    expect(first.headers.get("x-total-pages")).toBe("3");
    expect(first.headers.get("x-page")).toBe("1");
    expect(first.headers.get("x-per-page")).toBe("100");
    expect(first.headers.get("x-next-page")).toBe("2");
    expect(first.headers.get("x-prev-page")).toBe("");
    expect(first.headers.get("link")).toContain('rel="next"');
    const last = await w.dev.client.call<unknown[]>("GET", `${path}?per_page=100&page=3`);
    expect(last.body).toHaveLength(50);
    expect(last.headers.get("x-next-page")).toBe("");
    const api = gitlab(w, w.dev);
    const all = await api.IssueNotes.all(w.project.id, issue.iid, { perPage: 100 });
    expect(all).toHaveLength(250);
    expect(new Set(all.map((n) => n.id)).size).toBe(250);
    const two = await api.IssueNotes.all(w.project.id, issue.iid, { perPage: 20, maxPages: 2 });
    expect(two).toHaveLength(40);
    const expanded = await api.IssueNotes.all(w.project.id, issue.iid, {
      perPage: 50,
      page: 2,
      showExpanded: true,
    });
    expect(expanded.data).toHaveLength(50);
    expect(expanded.paginationInfo).toMatchObject({
      total: 250,
      totalPages: 5,
      current: 2,
      next: 3,
      previous: 1,
    });
  });
});

describe("bad input", () => {
  it("answers malformed JSON, unknown routes and wrong methods with GitLab-like 4xx bodies", async () => {
    const base = `${w.sandbox.url}/api/v4`;
    const malformed = await fetch(`${base}${notesPath(issueIid)}`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": w.dev.token, "content-type": "application/json" },
      body: '{"body": "unterminated',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toHaveProperty("error");
    const unknown = await fetch(`${base}/projects/${w.project.id}/nonsense`, {
      headers: { "PRIVATE-TOKEN": w.dev.token },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: "404 Not Found" });
    const method = await fetch(`${base}${notesPath(issueIid)}`, {
      method: "PATCH",
      headers: { "PRIVATE-TOKEN": w.dev.token },
    });
    expect(method.status).toBe(405);
    const anonymous = await fetch(`${base}${notesPath(issueIid)}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: "401 Unauthorized" });
    const badIid = await w.dev.client.call("GET", `/projects/${w.project.id}/issues/x/notes`);
    expect(badIid.status).toBe(400);
    expect(badIid.body).toEqual({ error: "noteable_id is invalid" });
    const noProject = await w.dev.client.call("GET", `/projects/424242/issues/1/notes`);
    expect(noProject.status).toBe(404);
    expect(noProject.body).toEqual({ message: "404 Project Not Found" });
    const form = await fetch(`${base}${notesPath(issueIid)}`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": w.dev.token, "content-type": "application/x-www-form-urlencoded" },
      body: "body=%25%25%zz",
    });
    expect(form.status).toBeLessThan(500);
    // The sandbox keeps working afterwards.
    const ok = await w.dev.client.call("POST", notesPath(issueIid), { body: "still here" });
    expect(ok.status).toBe(201);
  });
});
