// Issues through @gitbeaker/rest and plain HTTP: GitLab's fields, filters, label system notes, state changes
// and confidential issues.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitlab, startWorld, type World } from "./api-fixtures.ts";

let w: World;

beforeAll(async () => {
  w = await startWorld("issues");
});

afterAll(async () => {
  await w.sandbox.close();
});

describe("issues", () => {
  it("creates an issue with GitLab's fields", async () => {
    const api = gitlab(w, w.dev);
    const issue = await api.Issues.create(w.project.id, "First bug", {
      description: "It breaks",
      labels: "bug,backend",
    });
    expect(issue).toMatchObject({
      iid: 1,
      project_id: w.project.id,
      title: "First bug",
      description: "It breaks",
      state: "opened",
      labels: ["bug", "backend"],
      confidential: false,
      user_notes_count: 0,
      web_url: `${w.sandbox.url}/root/issues/-/issues/1`,
      references: { short: "#1", relative: "#1", full: "root/issues#1" },
    });
    expect(issue.author).toMatchObject({ username: w.dev.username });
    expect(typeof issue.id).toBe("number");
    const shown = await api.Issues.show(1, { projectId: w.project.id });
    expect(shown.id).toBe(issue.id);
  });

  it("answers Grape's errors for a missing title and a bad iid", async () => {
    const missing = await w.dev.client.call("POST", `/projects/${w.project.id}/issues`, { description: "x" });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "title is missing" });
    const bad = await w.dev.client.call("GET", `/projects/${w.project.id}/issues/abc`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "issue_iid is invalid" });
    const none = await w.dev.client.call("GET", `/projects/${w.project.id}/issues/999`);
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ message: "404 Issue Not Found" });
  });

  it("filters by state, labels and search, and sorts", async () => {
    const c = w.dev.client;
    await c.ok("POST", `/projects/${w.project.id}/issues`, { title: "Second: docs", labels: "docs" });
    const third = await c.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Third: crash",
    });
    await c.ok("PUT", `/projects/${w.project.id}/issues/${third.iid}`, { state_event: "close" });
    const titles = async (query: string): Promise<string[]> =>
      (await c.ok<Array<{ title: string }>>("GET", `/projects/${w.project.id}/issues?${query}`)).map(
        (i) => i.title,
      );
    expect(await titles("state=closed")).toEqual(["Third: crash"]);
    expect(await titles("state=opened&sort=asc")).toEqual(["First bug", "Second: docs"]);
    expect(await titles("labels=bug,backend")).toEqual(["First bug"]);
    expect(await titles("labels=docs")).toEqual(["Second: docs"]);
    expect(await titles("labels=None")).toEqual(["Third: crash"]);
    expect(await titles("labels=Any&sort=asc")).toEqual(["First bug", "Second: docs"]);
    expect(await titles("search=crash")).toEqual(["Third: crash"]);
    expect(await titles("order_by=title&sort=asc")).toEqual(["First bug", "Second: docs", "Third: crash"]);
    const bad = await c.call("GET", `/projects/${w.project.id}/issues?state=weird`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "state does not have a valid value" });
  });

  it("leaves system notes for label changes and closing, as GitLab does", async () => {
    const c = w.dev.client;
    const issue = await c.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Labels",
    });
    const base = `/projects/${w.project.id}/issues/${issue.iid}`;
    await c.ok("PUT", base, { add_labels: "bug" });
    await c.ok("PUT", base, { labels: "needs review,bug,ui" });
    await c.ok("PUT", base, { remove_labels: "bug", add_labels: "backend" });
    const closed = await c.ok<{ state: string; closed_at: string | null; closed_by: { username: string } }>(
      "PUT",
      base,
      { state_event: "close" },
    );
    expect(closed.state).toBe("closed");
    expect(closed.closed_at).not.toBeNull();
    expect(closed.closed_by.username).toBe(w.dev.username);
    const reopened = await c.ok<{ state: string; labels: string[] }>("PUT", base, { state_event: "reopen" });
    expect(reopened.state).toBe("opened");
    expect(reopened.labels).toEqual(["needs review", "ui", "backend"]);
    const notes = await c.ok<Array<{ body: string; system: boolean }>>("GET", `${base}/notes?sort=asc`);
    expect(notes.map((n) => n.body)).toEqual([
      "added ~bug label",
      'added ~"needs review" ~ui labels',
      "added ~backend label and removed ~bug label",
      "closed",
      "reopened",
    ]);
    expect(notes.every((n) => n.system)).toBe(true);
    const shown = await c.ok<{ user_notes_count: number }>("GET", base);
    expect(shown.user_notes_count).toBe(0);
  });

  it("requires at least one field on update, and a role or authorship to update", async () => {
    const base = `/projects/${w.project.id}/issues/1`;
    const empty = await w.dev.client.call("PUT", base, {});
    expect(empty.status).toBe(400);
    expect(String((empty.body as { error: string }).error)).toContain(
      "at least one parameter must be provided",
    );
    const guestEdit = await w.guest.client.call("PUT", base, { title: "Hijacked" });
    expect(guestEdit.status).toBe(403);
  });

  it("hides confidential issues from guests and outsiders but not from reporters", async () => {
    const secret = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Secret",
      confidential: true,
    });
    const path = `/projects/${w.project.id}/issues/${secret.iid}`;
    expect((await w.reporter.client.call("GET", path)).status).toBe(200);
    const hidden = await w.guest.client.call("GET", path);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ message: "404 Issue Not Found" });
    const list = await w.guest.client.ok<Array<{ iid: number }>>("GET", `/projects/${w.project.id}/issues`);
    expect(list.map((i) => i.iid)).not.toContain(secret.iid);
    expect((await w.outsider.client.call("GET", path)).status).toBe(404);
  });
});
