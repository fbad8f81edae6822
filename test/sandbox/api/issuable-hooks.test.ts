// Issue Hook, Confidential Issue Hook and Merge Request Hook deliveries, fired by the API calls that cause them,
// checked field by field where the bridge reads them (and against the bridge's own zod schemas). The reference
// is GitLab: Gitlab::DataBuilder::Issuable#build (lib/gitlab/data_builder/issuable.rb), Issuable#to_hook_data
// and #hook_association_changes / #hook_reviewer_changes (app/models/concerns/issuable.rb),
// Gitlab::HookData::IssueBuilder / MergeRequestBuilder, Issues::BaseService#execute_hooks,
// MergeRequests::BaseService#execute_hooks and the "Webhook events" page
// (https://docs.gitlab.com/user/project/integrations/webhook_events/).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IssueHookSchema, MergeRequestHookSchema } from "../../../shared/gitlab/issuable-hook-schema.ts";
import { commit, featureMergeRequest, startWorld, type World } from "./api-fixtures.ts";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  path: string;
}

let w: World;
let server: Server;
let base: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  w = await startWorld("issuable-hooks");
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      deliveries.push({ headers: req.headers, body, path: req.url ?? "" });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const hooks = `/projects/${w.project.id}/hooks`;
  // One hook for every event the bridge needs, one that takes issues but not confidential issues.
  await w.maintainer.client.ok("POST", hooks, {
    url: `${base}/all`,
    issues_events: true,
    confidential_issues_events: true,
    merge_requests_events: true,
    push_events: false,
  });
  await w.maintainer.client.ok("POST", hooks, {
    url: `${base}/issues`,
    issues_events: true,
    push_events: false,
  });
});

afterAll(async () => {
  await w.sandbox.close();
  await new Promise((resolve) => server.close(resolve));
});

/** What reached the receiver since the last call, once the sandbox has delivered everything. */
async function settled(path = "/all"): Promise<Delivery[]> {
  await w.sandbox.idle();
  const mine = deliveries.filter((d) => d.path === path);
  deliveries.splice(0);
  return mine;
}

const issues = (): string => `/projects/${w.project.id}/issues`;
const mrs = (): string => `/projects/${w.project.id}/merge_requests`;

describe("Issue Hook", () => {
  let iid: number;

  it("fires 'open' for a new issue: the author as user, the description, changes from null", async () => {
    const body = "The build breaks on Node 22.\n\n@claude please fix this";
    iid = (
      await w.dev.client.ok<{ iid: number }>("POST", issues(), { title: "Build breaks", description: body })
    ).iid;
    const [d, ...rest] = await settled();
    expect(rest).toHaveLength(0);
    // Issues::BaseService#execute_hooks: issue_hooks scope, X-Gitlab-Event "Issue Hook".
    expect(d?.headers["x-gitlab-event"]).toBe("Issue Hook");
    const hook = IssueHookSchema.parse(d?.body);
    expect(hook.object_kind).toBe("issue");
    expect(hook.event_type).toBe("issue");
    // DataBuilder::Issuable#build: user is the person who caused the event.
    expect(hook.user).toMatchObject({ id: w.dev.id, username: w.dev.username });
    expect(hook.project).toMatchObject({
      id: w.project.id,
      path_with_namespace: w.project.path_with_namespace,
    });
    expect(hook.object_attributes).toMatchObject({
      iid,
      title: "Build breaks",
      description: body,
      state: "opened",
      author_id: w.dev.id,
      action: "open",
      url: `${w.sandbox.url}/${w.project.path_with_namespace}/-/issues/${iid}`,
    });
    // IssueBuilder#build adds type (the work item type's name).
    expect((d?.body["object_attributes"] as Record<string, unknown>)["type"]).toBe("Issue");
    // Issuable#to_hook_data: a new record's previous_changes run from nil.
    expect(hook.changes.description).toEqual({ previous: null, current: body });
    expect(hook.changes.title).toEqual({ previous: null, current: "Build breaks" });
    // assignees only when there are any; the deprecated repository is always there.
    expect(d?.body).not.toHaveProperty("assignees");
    expect(d?.body["repository"]).toMatchObject({ name: "issuable-hooks" });
  });

  it("fires 'update' for an edit, with the description's previous and current value and the editor as user", async () => {
    await w.maintainer.client.ok("PUT", `${issues()}/${iid}`, { description: "Now @codex too" });
    const [d] = await settled();
    const hook = IssueHookSchema.parse(d?.body);
    expect(hook.object_attributes.action).toBe("update");
    expect(hook.user.id).toBe(w.maintainer.id);
    expect(hook.changes.description).toEqual({
      previous: "The build breaks on Node 22.\n\n@claude please fix this",
      current: "Now @codex too",
    });
    expect(hook.changes.title).toBeUndefined();
    expect(d?.body["changes"]).toHaveProperty("updated_at");
  });

  it("reports an assignment in changes.assignees and the top-level assignees (hook_association_changes)", async () => {
    await w.maintainer.client.ok("PUT", `${issues()}/${iid}`, { assignee_ids: [w.dev.id] });
    const [d] = await settled();
    const hook = IssueHookSchema.parse(d?.body);
    expect(hook.object_attributes.action).toBe("update");
    expect(hook.changes.assignees?.previous).toEqual([]);
    expect(hook.changes.assignees?.current).toEqual([
      expect.objectContaining({ id: w.dev.id, username: w.dev.username }),
    ]);
    expect(hook.assignees?.map((u) => u.id)).toEqual([w.dev.id]);
    expect(hook.object_attributes.assignee_ids).toEqual([w.dev.id]);
    expect(hook.changes.description).toBeUndefined();
  });

  it("reports added labels in changes.labels and the top-level labels", async () => {
    await w.maintainer.client.ok("PUT", `${issues()}/${iid}`, { add_labels: "claude" });
    const [d] = await settled();
    const hook = IssueHookSchema.parse(d?.body);
    expect(hook.changes.labels?.previous).toEqual([]);
    expect(hook.changes.labels?.current?.map((l) => l.title)).toEqual(["claude"]);
    expect(hook.labels?.map((l) => l.title)).toEqual(["claude"]);
  });

  it("fires 'close' and 'reopen' with changes.state_id (Issues::CloseService, ReopenService)", async () => {
    await w.maintainer.client.ok("PUT", `${issues()}/${iid}`, { state_event: "close" });
    await w.maintainer.client.ok("PUT", `${issues()}/${iid}`, { state_event: "reopen" });
    const hooks = (await settled()).map((d) => IssueHookSchema.parse(d.body));
    expect(hooks.map((h) => [h.object_attributes.action, h.changes.state_id])).toEqual([
      ["close", { previous: 1, current: 2 }],
      ["reopen", { previous: 2, current: 1 }],
    ]);
  });

  it("fires 'update' for /assign in a comment (Notes::QuickActionsService runs the update service)", async () => {
    const other = (await w.dev.client.ok<{ iid: number }>("POST", issues(), { title: "Quick" })).iid;
    await settled();
    await w.maintainer.client.ok("POST", `${issues()}/${other}/notes`, {
      body: `/assign @${w.dev.username}`,
    });
    const [d, ...rest] = await settled();
    expect(rest).toHaveLength(0);
    const hook = IssueHookSchema.parse(d?.body);
    expect(hook.object_attributes).toMatchObject({ iid: other, action: "update" });
    expect(hook.user.id).toBe(w.maintainer.id);
    expect(hook.changes.assignees?.current?.map((u) => u.id)).toEqual([w.dev.id]);
  });

  it("sends a confidential issue as Confidential Issue Hook, only to hooks that take those", async () => {
    await w.dev.client.ok("POST", issues(), { title: "Secret", confidential: true });
    await w.sandbox.idle();
    const plain = deliveries.filter((d) => d.path === "/issues");
    const [d, ...rest] = await settled();
    expect(rest).toHaveLength(0);
    expect(plain).toHaveLength(0);
    expect(d?.headers["x-gitlab-event"]).toBe("Confidential Issue Hook");
    const hook = IssueHookSchema.parse(d?.body);
    expect(hook.event_type).toBe("confidential_issue");
    expect(hook.object_attributes.confidential).toBe(true);
  });

  it("does not send issue events to a hook that has issues_events off", async () => {
    await w.maintainer.client.ok("POST", `/projects/${w.project.id}/hooks`, {
      url: `${base}/notes-only`,
      note_events: true,
      push_events: false,
    });
    await w.dev.client.ok("POST", issues(), { title: "Quiet" });
    expect(await settled("/notes-only")).toHaveLength(0);
  });
});

describe("Merge Request Hook", () => {
  let iid: number;

  it("fires 'open' with the description, draft, branches and last commit", async () => {
    const mr = await featureMergeRequest(w, "feature-hooks", "Draft: Add the feature");
    iid = mr.iid;
    await w.dev.client.ok("PUT", `${mrs()}/${iid}`, { description: "@codex review this" });
    const [opened, edited, ...rest] = await settled();
    expect(rest).toHaveLength(0);
    expect(opened?.headers["x-gitlab-event"]).toBe("Merge Request Hook");
    const hook = MergeRequestHookSchema.parse(opened?.body);
    expect(hook.object_kind).toBe("merge_request");
    expect(hook.event_type).toBe("merge_request");
    expect(hook.user.id).toBe(w.dev.id);
    expect(hook.object_attributes).toMatchObject({
      iid,
      action: "open",
      draft: true,
      work_in_progress: true,
      state: "opened",
      source_branch: "feature-hooks",
      target_branch: "main",
      source_project_id: w.project.id,
      target_project_id: w.project.id,
      author_id: w.dev.id,
      url: `${w.sandbox.url}/${w.project.path_with_namespace}/-/merge_requests/${iid}`,
    });
    expect(hook.object_attributes.last_commit?.id).toBe(mr.sha);
    expect(hook.changes.title).toEqual({ previous: null, current: "Draft: Add the feature" });
    const update = MergeRequestHookSchema.parse(edited?.body);
    expect(update.object_attributes.action).toBe("update");
    expect(update.changes.description).toEqual({ previous: "", current: "@codex review this" });
  });

  it("reports reviewers in changes.reviewers, the top-level reviewers and reviewer_ids (hook_reviewer_changes)", async () => {
    await w.maintainer.client.ok("PUT", `${mrs()}/${iid}`, { reviewer_ids: [w.reporter.id] });
    const [d] = await settled();
    const hook = MergeRequestHookSchema.parse(d?.body);
    expect(hook.user.id).toBe(w.maintainer.id);
    expect(hook.changes.reviewers?.previous).toEqual([]);
    expect(hook.changes.reviewers?.current?.map((u) => u.username)).toEqual([w.reporter.username]);
    expect(hook.reviewers?.map((u) => u.id)).toEqual([w.reporter.id]);
    expect(hook.object_attributes.reviewer_ids).toEqual([w.reporter.id]);
    const read = await w.dev.client.ok<{ reviewers: Array<{ id: number }> }>("GET", `${mrs()}/${iid}`);
    expect(read.reviewers.map((u) => u.id)).toEqual([w.reporter.id]);
  });

  it("drops a reviewer who cannot read the merge request, as GitLab's filter_user_ids does", async () => {
    await w.maintainer.client.ok("PUT", `${mrs()}/${iid}`, { reviewer_ids: [w.guest.id] });
    const hook = MergeRequestHookSchema.parse((await settled())[0]?.body);
    expect(hook.object_attributes.reviewer_ids).toEqual([]);
    expect(hook.changes.reviewers?.current).toEqual([]);
  });

  it("reports an assignment in changes.assignees", async () => {
    await w.maintainer.client.ok("PUT", `${mrs()}/${iid}`, { assignee_ids: [w.dev.id] });
    const hook = MergeRequestHookSchema.parse((await settled())[0]?.body);
    expect(hook.changes.assignees?.current?.map((u) => u.id)).toEqual([w.dev.id]);
    expect(hook.object_attributes.assignee_ids).toEqual([w.dev.id]);
  });

  it("reports draft → ready as changes.draft {true → false} beside the title", async () => {
    await w.dev.client.ok("PUT", `${mrs()}/${iid}`, { title: "Add the feature" });
    const hook = MergeRequestHookSchema.parse((await settled())[0]?.body);
    expect(hook.object_attributes).toMatchObject({ action: "update", draft: false });
    expect(hook.changes.draft).toEqual({ previous: true, current: false });
    expect(hook.changes.title).toEqual({ previous: "Draft: Add the feature", current: "Add the feature" });
  });

  it("fires 'update' with oldrev after a push to the source branch (MergeRequests::RefreshService)", async () => {
    const before = await w.dev.client.ok<{ sha: string }>("GET", `${mrs()}/${iid}`);
    const sha = await commit(w.dev.client, w.project.id, "feature-hooks", [
      { action: "create", file_path: "src/more.txt", content: "more\n" },
    ]);
    const hook = MergeRequestHookSchema.parse((await settled())[0]?.body);
    expect(hook.object_attributes.action).toBe("update");
    expect(hook.object_attributes.oldrev).toBe(before.sha);
    expect(hook.object_attributes.last_commit?.id).toBe(sha);
  });

  it("reports /assign_reviewer in a comment as a reviewer change", async () => {
    await w.maintainer.client.ok("POST", `${mrs()}/${iid}/notes`, {
      body: `/assign_reviewer @${w.dev.username}`,
    });
    const [d, ...rest] = await settled();
    expect(rest).toHaveLength(0);
    const hook = MergeRequestHookSchema.parse(d?.body);
    expect(hook.changes.reviewers?.current?.map((u) => u.id)).toEqual([w.dev.id]);
  });

  it("fires 'close' with changes.state_id", async () => {
    await w.dev.client.ok("PUT", `${mrs()}/${iid}`, { state_event: "close" });
    const hook = MergeRequestHookSchema.parse((await settled())[0]?.body);
    expect(hook.object_attributes.action).toBe("close");
    expect(hook.changes.state_id).toEqual({ previous: 1, current: 2 });
  });
});
