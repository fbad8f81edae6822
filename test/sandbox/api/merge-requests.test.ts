// Merge requests through @gitbeaker/rest, plain HTTP and the real git client: creation and GitLab's refusals,
// filters, diffs/changes/versions/commits from real git, versions recorded on push, state changes, and a merge
// request from a fork.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneUrl, git } from "../../support/git.ts";
import { commit, gitlab, startWorld, type World } from "./api-fixtures.ts";

let w: World;
let work: string;

beforeAll(async () => {
  w = await startWorld("mrs");
  work = await mkdtemp(join(tmpdir(), "sandbox-mr-test-"));
});

afterAll(async () => {
  await w.sandbox.close();
  await rm(work, { recursive: true, force: true });
});

const mrPath = (iid: number, rest = ""): string => `/projects/${w.project.id}/merge_requests/${iid}${rest}`;

interface MrJson {
  id: number;
  iid: number;
  sha: string;
  state: string;
  draft: boolean;
  detailed_merge_status: string;
  diff_refs: { base_sha: string; head_sha: string; start_sha: string };
  source_project_id: number;
  target_project_id: number;
  changes_count: string;
  web_url: string;
}

describe("creating merge requests", () => {
  it("creates one with GitLab's fields", async () => {
    await commit(
      w.dev.client,
      w.project.id,
      "feature-a",
      [
        { action: "update", file_path: "src/app.txt", content: "one\ntwo\n3\nfour\nfive\n" },
        { action: "create", file_path: "docs/a.md", content: "# A\n" },
      ],
      "main",
    );
    const api = gitlab(w, w.dev);
    const mr = await api.MergeRequests.create(w.project.id, "feature-a", "main", "Feature A", {
      description: "Closes #1",
      labels: "feature",
      removeSourceBranch: true,
    });
    const main = await w.dev.client.ok<{ commit: { id: string } }>(
      "GET",
      `/projects/${w.project.id}/repository/branches/main`,
    );
    const head = await w.dev.client.ok<{ commit: { id: string } }>(
      "GET",
      `/projects/${w.project.id}/repository/branches/feature-a`,
    );
    expect(mr).toMatchObject({
      iid: 1,
      project_id: w.project.id,
      title: "Feature A",
      description: "Closes #1",
      state: "opened",
      source_branch: "feature-a",
      target_branch: "main",
      source_project_id: w.project.id,
      target_project_id: w.project.id,
      labels: ["feature"],
      draft: false,
      merge_status: "can_be_merged",
      detailed_merge_status: "mergeable",
      sha: head.commit.id,
      diff_refs: { base_sha: main.commit.id, start_sha: main.commit.id, head_sha: head.commit.id },
      changes_count: "2",
      force_remove_source_branch: true,
      web_url: `${w.sandbox.url}/root/mrs/-/merge_requests/1`,
      references: { short: "!1", relative: "!1", full: "root/mrs!1" },
      head_pipeline: null,
    });
    expect(mr.author).toMatchObject({ username: w.dev.username });
    const shown = await api.MergeRequests.show(w.project.id, 1);
    expect(shown.sha).toBe(head.commit.id);
  });

  it("marks Draft: titles as drafts, and updates draft when the title changes", async () => {
    await commit(
      w.dev.client,
      w.project.id,
      "feature-draft",
      [{ action: "create", file_path: "d.txt", content: "d\n" }],
      "main",
    );
    const mr = await w.dev.client.ok<MrJson>("POST", `/projects/${w.project.id}/merge_requests`, {
      source_branch: "feature-draft",
      target_branch: "main",
      title: "Draft: not yet",
    });
    expect(mr.draft).toBe(true);
    expect(mr.detailed_merge_status).toBe("draft_status");
    const ready = await w.dev.client.ok<MrJson>("PUT", mrPath(mr.iid), { title: "Ready now" });
    expect(ready.draft).toBe(false);
    const notes = await w.dev.client.ok<Array<{ body: string; system: boolean }>>(
      "GET",
      mrPath(mr.iid, "/notes?sort=asc"),
    );
    expect(notes.map((n) => n.body)).toEqual([
      "changed title from **Draft: not yet** to **Ready now**",
      "marked this merge request as **ready**",
    ]);
  });

  it("answers 409 for a second open merge request of the same branches", async () => {
    const answer = await w.dev.client.call("POST", `/projects/${w.project.id}/merge_requests`, {
      source_branch: "feature-a",
      target_branch: "main",
      title: "Again",
    });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      message: ["Another open merge request already exists for this source branch: !1"],
    });
  });

  it("refuses missing parameters, missing branches, the same branch, and a Guest", async () => {
    const post = (body: Record<string, unknown>, client = w.dev.client) =>
      client.call("POST", `/projects/${w.project.id}/merge_requests`, body);
    const missing = await post({ source_branch: "feature-a", target_branch: "main" });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "title is missing" });
    const noBranch = await post({ source_branch: "nope", target_branch: "main", title: "x" });
    expect(noBranch.status).toBe(400);
    expect(JSON.stringify(noBranch.body)).toContain('Source branch \\"nope\\" does not exist');
    const noTarget = await post({ source_branch: "feature-a", target_branch: "nowhere", title: "x" });
    expect(noTarget.status).toBe(400);
    const same = await post({ source_branch: "main", target_branch: "main", title: "x" });
    expect(same.status).toBe(422);
    expect(same.body).toEqual({ message: ["You can't use same project/branch for source and target"] });
    const guest = await post(
      { source_branch: "feature-a", target_branch: "main", title: "x" },
      w.guest.client,
    );
    expect(guest.status).toBe(403);
  });
});

describe("reading merge requests", () => {
  it("lists with state, branch and search filters", async () => {
    const iids = async (query: string): Promise<number[]> =>
      (await w.dev.client.ok<MrJson[]>("GET", `/projects/${w.project.id}/merge_requests?${query}`)).map(
        (m) => m.iid,
      );
    expect(await iids("state=opened&sort=asc")).toEqual([1, 2]);
    expect(await iids("source_branch=feature-draft")).toEqual([2]);
    expect(await iids("target_branch=main&sort=asc")).toEqual([1, 2]);
    expect(await iids("search=ready")).toEqual([2]);
    expect(await iids("labels=feature")).toEqual([1]);
    const viaGitbeaker = await gitlab(w, w.reporter).MergeRequests.all({
      projectId: w.project.id,
      state: "opened",
    });
    expect(viaGitbeaker.map((m) => m.iid).sort()).toEqual([1, 2]);
    expect((await w.guest.client.call("GET", `/projects/${w.project.id}/merge_requests`)).status).toBe(403);
  });

  it("serves diffs (paginated), changes, versions and commits from git", async () => {
    const diffs = await w.dev.client.call<Array<Record<string, unknown>>>(
      "GET",
      mrPath(1, "/diffs?per_page=1"),
    );
    expect(diffs.status).toBe(200);
    expect(diffs.headers.get("x-total")).toBe("2");
    expect(diffs.body).toHaveLength(1);
    const all = await w.dev.client.ok<Array<Record<string, unknown>>>("GET", mrPath(1, "/diffs"));
    const app = all.find((d) => d["new_path"] === "src/app.txt");
    expect(app).toMatchObject({
      old_path: "src/app.txt",
      new_file: false,
      deleted_file: false,
      renamed_file: false,
    });
    expect(String(app?.["diff"])).toContain("-three\n+3\n");
    expect(all.find((d) => d["new_path"] === "docs/a.md")).toMatchObject({
      new_file: true,
      a_mode: "0",
      b_mode: "100644",
    });
    const changes = await w.dev.client.ok<{ iid: number; changes: unknown[] }>("GET", mrPath(1, "/changes"));
    expect(changes.iid).toBe(1);
    expect(changes.changes).toHaveLength(2);
    const versions = await gitlab(w, w.dev).MergeRequests.allDiffVersions(w.project.id, 1);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ state: "collected", real_size: "2" });
    const version = await w.dev.client.ok<{ commits: Array<{ title: string }>; diffs: unknown[] }>(
      "GET",
      mrPath(1, `/versions/${versions[0]?.id}`),
    );
    expect(version.commits.map((c) => c.title)).toEqual(["Change files"]);
    expect(version.diffs).toHaveLength(2);
    const commits = await gitlab(w, w.dev).MergeRequests.allCommits(w.project.id, 1);
    expect(commits).toHaveLength(1);
    expect((await w.dev.client.call("GET", mrPath(1, "/versions/999999"))).status).toBe(404);
    expect((await w.dev.client.call("GET", mrPath(99))).body).toEqual({
      message: "404 Merge Request Not Found",
    });
  });
});

describe("pushes and state changes", () => {
  it("records a version and an 'added N commits' note, by the pusher, when the source branch is pushed", async () => {
    const dir = join(work, "push");
    await git(
      work,
      "clone",
      "--quiet",
      cloneUrl(w.sandbox.url, w.maintainer.token, w.project.path_with_namespace),
      dir,
    );
    await git(dir, "checkout", "--quiet", "feature-a");
    await writeFile(join(dir, "docs/a.md"), "# A\n\nMore.\n");
    await git(dir, "commit", "--quiet", "-am", "More docs");
    await writeFile(join(dir, "docs/b.md"), "# B <b>\n");
    await git(dir, "add", ".");
    await git(dir, "commit", "--quiet", "-m", "Add <b> docs");
    await git(dir, "push", "--quiet", "origin", "feature-a");
    const head = await git(dir, "rev-parse", "HEAD");
    const mr = await w.dev.client.ok<MrJson>("GET", mrPath(1));
    expect(mr.sha).toBe(head);
    expect(mr.diff_refs.head_sha).toBe(head);
    expect(mr.changes_count).toBe("3");
    const versions = await w.dev.client.ok<Array<{ head_commit_sha: string }>>("GET", mrPath(1, "/versions"));
    expect(versions).toHaveLength(2);
    expect(versions[0]?.head_commit_sha).toBe(head);
    const notes = await w.dev.client.ok<
      Array<{ body: string; system: boolean; author: { username: string } }>
    >("GET", mrPath(1, "/notes"));
    const system = notes.find((n) => n.system && n.body.startsWith("added 2 commits"));
    expect(system?.author.username).toBe(w.maintainer.username);
    expect(system?.body).toContain(`<li>${head.slice(0, 8)} - Add &#60;b&#62; docs</li>`);
    expect(system?.body).toContain("[Compare with previous version]");
    const commits = await w.dev.client.ok<unknown[]>("GET", mrPath(1, "/commits"));
    expect(commits).toHaveLength(3);
  });

  it("records a version without a note when the target branch moves", async () => {
    const before = await w.dev.client.ok<Array<unknown>>("GET", mrPath(1, "/notes"));
    await commit(w.maintainer.client, w.project.id, "main", [
      { action: "create", file_path: "main.txt", content: "m\n" },
    ]);
    const mr = await w.dev.client.ok<MrJson>("GET", mrPath(1));
    const main = await w.dev.client.ok<{ commit: { id: string } }>(
      "GET",
      `/projects/${w.project.id}/repository/branches/main`,
    );
    expect(mr.diff_refs.start_sha).toBe(main.commit.id);
    expect(mr.diff_refs.base_sha).not.toBe(main.commit.id);
    expect(await w.dev.client.ok<unknown[]>("GET", mrPath(1, "/versions"))).toHaveLength(3);
    expect(await w.dev.client.ok<unknown[]>("GET", mrPath(1, "/notes"))).toHaveLength(before.length);
  });

  it("closes and reopens with system notes; a guest cannot", async () => {
    const closed = await gitlab(w, w.dev).MergeRequests.edit(w.project.id, 2, { stateEvent: "close" });
    expect(closed).toMatchObject({ state: "closed", detailed_merge_status: "not_open" });
    expect(closed.closed_by).toMatchObject({ username: w.dev.username });
    const closedList = await w.dev.client.ok<MrJson[]>(
      "GET",
      `/projects/${w.project.id}/merge_requests?state=closed`,
    );
    expect(closedList.map((m) => m.iid)).toEqual([2]);
    const reopened = await w.dev.client.ok<MrJson>("PUT", mrPath(2), { state_event: "reopen" });
    expect(reopened.state).toBe("opened");
    const bodies = (await w.dev.client.ok<Array<{ body: string }>>("GET", mrPath(2, "/notes"))).map(
      (n) => n.body,
    );
    expect(bodies.slice(0, 2)).toEqual(["reopened", "closed"]);
    expect((await w.guest.client.call("PUT", mrPath(2), { state_event: "close" })).status).toBe(404);
    const labels = await w.dev.client.ok<{ labels: string[] }>("PUT", mrPath(2), { add_labels: "x,y" });
    expect(labels.labels).toEqual(["x", "y"]);
  });
});

describe("merge requests from a fork", () => {
  it("forks, creates a fork merge request, diffs it in the target, and follows pushes to the fork", async () => {
    const api = gitlab(w, w.outsider);
    // A public upstream lets an outsider fork and propose changes, as on GitLab.com.
    await w.admin.ok("PUT", `/projects/${w.project.id}`, { visibility: "public" });
    const fork = await w.outsider.client.ok<{
      id: number;
      path_with_namespace: string;
      forked_from_project: { id: number };
    }>("POST", `/projects/${w.project.id}/fork`, {});
    expect(fork.path_with_namespace).toBe(`${w.outsider.username}/mrs`);
    expect(fork.forked_from_project.id).toBe(w.project.id);
    const again = await w.outsider.client.call("POST", `/projects/${w.project.id}/fork`, {});
    expect(again.status).toBe(409);
    await commit(
      w.outsider.client,
      fork.id,
      "fork-fix",
      [{ action: "create", file_path: "fork.txt", content: "from a fork\n" }],
      "main",
    );
    const mr = await api.MergeRequests.create(fork.id, "fork-fix", "main", "Fix from a fork", {
      targetProjectId: w.project.id,
    });
    expect(mr.project_id).toBe(w.project.id);
    expect(mr.source_project_id).toBe(fork.id);
    expect(mr.target_project_id).toBe(w.project.id);
    const diffs = await w.dev.client.ok<Array<{ new_path: string }>>("GET", mrPath(mr.iid, "/diffs"));
    expect(diffs.map((d) => d.new_path)).toEqual(["fork.txt"]);
    // The fork's head was copied into the target repository.
    const headCommit = await w.dev.client.call(
      "GET",
      `/projects/${w.project.id}/repository/commits/${mr.sha}`,
    );
    expect(headCommit.status).toBe(200);
    const notFork = await w.outsider.client.call("POST", `/projects/${fork.id}/merge_requests`, {
      source_branch: "fork-fix",
      target_branch: "main",
      title: "x",
      target_project_id: 424242,
    });
    expect(notFork.status).toBe(404);
    const sha = await commit(w.outsider.client, fork.id, "fork-fix", [
      { action: "create", file_path: "fork2.txt", content: "2\n" },
    ]);
    const refreshed = await w.dev.client.ok<MrJson>("GET", mrPath(mr.iid));
    expect(refreshed.sha).toBe(sha);
    expect(refreshed.changes_count).toBe("2");
    const notes = await w.dev.client.ok<Array<{ body: string; system: boolean }>>(
      "GET",
      mrPath(mr.iid, "/notes"),
    );
    expect(notes.some((n) => n.system && n.body.startsWith("added 1 commit\n"))).toBe(true);
  });
});
