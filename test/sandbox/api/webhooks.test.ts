// Note Hook deliveries to a real receiver: GitLab's headers and payload (checked with the bridge's own zod
// schema), create and update actions, confidential notes, system notes, DiffNotes with the MR's last commit,
// and retries of a failed delivery with the same Idempotency-Key.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoteHookSchema } from "../../../shared/gitlab/webhook-schema.ts";
import { featureMergeRequest, gitlab, startWorld, type World } from "./api-fixtures.ts";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Status codes to answer, in order; 200 once they run out. */
  script: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const script: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(script.shift() ?? 200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    script,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The object_attributes keys GitLab sends (Note::SAFE_HOOK_ATTRIBUTES plus description, url, action). */
const ATTRIBUTE_KEYS = [
  "action",
  "attachment",
  "author_id",
  "change_position",
  "commit_id",
  "created_at",
  "description",
  "discussion_id",
  "id",
  "internal",
  "line_code",
  "note",
  "noteable_id",
  "noteable_type",
  "original_position",
  "position",
  "project_id",
  "resolved_at",
  "resolved_by_id",
  "resolved_by_push",
  "st_diff",
  "system",
  "type",
  "updated_at",
  "updated_by_id",
  "url",
];

let w: World;
let receiver: Receiver;
let issueIid: number;

beforeAll(async () => {
  w = await startWorld("hooks", { hookRetryDelaysMs: [50, 50] });
  receiver = await startReceiver();
  await w.maintainer.client.ok("POST", `/projects/${w.project.id}/hooks`, {
    url: receiver.url,
    token: "hook-secret",
    note_events: true,
    confidential_note_events: true,
    push_events: false,
  });
  issueIid = (
    await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, { title: "Hooked" })
  ).iid;
});

afterAll(async () => {
  await w.sandbox.close();
  await receiver.close();
});

async function settled(): Promise<Delivery[]> {
  await w.sandbox.idle();
  return receiver.deliveries.splice(0);
}

describe("Note Hook", () => {
  it("delivers a new issue note with GitLab's headers and payload", async () => {
    const note = await gitlab(w, w.dev).IssueNotes.create(w.project.id, issueIid, "@claude hello");
    const [delivery, ...rest] = await settled();
    expect(rest).toHaveLength(0);
    const headers = delivery?.headers ?? {};
    expect(headers["x-gitlab-event"]).toBe("Note Hook");
    expect(headers["x-gitlab-token"]).toBe("hook-secret");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers["x-gitlab-event-uuid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers["x-gitlab-webhook-uuid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers["x-gitlab-instance"]).toBe(w.sandbox.url);
    expect(headers["user-agent"]).toMatch(/^GitLab\//);
    const payload = delivery?.body ?? {};
    const parsed = NoteHookSchema.parse(payload);
    expect(parsed).toMatchObject({
      object_kind: "note",
      event_type: "note",
      project_id: w.project.id,
      user: { id: w.dev.id, username: w.dev.username },
      project: {
        id: w.project.id,
        path_with_namespace: "root/hooks",
        default_branch: "main",
        visibility_level: 0,
      },
      object_attributes: {
        id: note.id,
        note: "@claude hello",
        noteable_type: "Issue",
        author_id: w.dev.id,
        action: "create",
        type: null,
        system: false,
        internal: false,
        position: null,
        url: `${w.sandbox.url}/root/hooks/-/issues/${issueIid}#note_${note.id}`,
      },
      issue: { iid: issueIid, title: "Hooked", state: "opened", confidential: false },
    });
    const attributes = payload["object_attributes"] as Record<string, unknown>;
    expect(Object.keys(attributes).sort()).toEqual(ATTRIBUTE_KEYS);
    expect(attributes["created_at"]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(attributes["discussion_id"]).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.keys(payload).sort()).toEqual(
      [
        "event_type",
        "issue",
        "object_attributes",
        "object_kind",
        "project",
        "project_id",
        "repository",
        "user",
      ].sort(),
    );
    expect(payload["repository"]).toMatchObject({ name: "hooks", homepage: `${w.sandbox.url}/root/hooks` });
    expect(Object.keys(payload["user"] as object).sort()).toEqual([
      "avatar_url",
      "email",
      "id",
      "name",
      "username",
    ]);
  });

  it("delivers an edit with action 'update'", async () => {
    const note = await w.dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${w.project.id}/issues/${issueIid}/notes`,
      {
        body: "first",
      },
    );
    await w.dev.client.ok("PUT", `/projects/${w.project.id}/issues/${issueIid}/notes/${note.id}`, {
      body: "second",
    });
    const deliveries = await settled();
    const actions = deliveries.map((d) => NoteHookSchema.parse(d.body).object_attributes);
    expect(actions.map((a) => [a.action, a.note])).toEqual([
      ["create", "first"],
      ["update", "second"],
    ]);
    expect(actions[1]?.updated_by_id).toBe(w.dev.id);
  });

  it("sends internal notes and notes on confidential issues as Confidential Note Hook", async () => {
    await w.reporter.client.ok("POST", `/projects/${w.project.id}/issues/${issueIid}/notes`, {
      body: "internal",
      internal: true,
    });
    const secret = await w.dev.client.ok<{ iid: number }>("POST", `/projects/${w.project.id}/issues`, {
      title: "Secret",
      confidential: true,
    });
    await w.dev.client.ok("POST", `/projects/${w.project.id}/issues/${secret.iid}/notes`, {
      body: "on secret",
    });
    const deliveries = await settled();
    expect(deliveries.map((d) => d.headers["x-gitlab-event"])).toEqual([
      "Confidential Note Hook",
      "Confidential Note Hook",
    ]);
    const [internal, onSecret] = deliveries.map((d) => NoteHookSchema.parse(d.body));
    expect(internal?.event_type).toBe("confidential_note");
    expect(internal?.object_attributes.internal).toBe(true);
    expect(onSecret?.issue?.confidential).toBe(true);
  });

  it("fires for system notes such as label changes", async () => {
    await w.dev.client.ok("PUT", `/projects/${w.project.id}/issues/${issueIid}`, { add_labels: "bug" });
    const [delivery] = await settled();
    const payload = NoteHookSchema.parse(delivery?.body);
    expect(payload.object_attributes).toMatchObject({ system: true, note: "added ~bug label" });
    const labels = (delivery?.body["issue"] as { labels: Array<{ title: string }> }).labels;
    expect(labels.map((l) => l.title)).toEqual(["bug"]);
  });

  it("delivers a DiffNote with its position and the merge request's last commit", async () => {
    const mr = await featureMergeRequest(w, "hooks-feature");
    await settled();
    const thread = await w.reporter.client.ok<{ id: string; notes: Array<{ id: number }> }>(
      "POST",
      `/projects/${w.project.id}/merge_requests/${mr.iid}/discussions`,
      {
        body: "@claude why?",
        position: {
          ...mr.diff_refs,
          position_type: "text",
          old_path: "src/app.txt",
          new_path: "src/app.txt",
          new_line: 3,
        },
      },
    );
    const [delivery] = await settled();
    const payload = NoteHookSchema.parse(delivery?.body);
    expect(payload.object_attributes).toMatchObject({
      type: "DiffNote",
      noteable_type: "MergeRequest",
      discussion_id: thread.id,
      position: { new_path: "src/app.txt", new_line: 3, old_line: null, head_sha: mr.diff_refs.head_sha },
      original_position: { new_line: 3 },
      url: `${w.sandbox.url}/root/hooks/-/merge_requests/${mr.iid}#note_${thread.notes[0]?.id}`,
    });
    expect(payload.object_attributes.line_code).toMatch(/^[0-9a-f]{40}_4_3$/);
    expect(payload.merge_request).toMatchObject({
      iid: mr.iid,
      source_branch: "hooks-feature",
      target_branch: "main",
      source_project_id: w.project.id,
      target_project_id: w.project.id,
      draft: false,
      detailed_merge_status: "mergeable",
      last_commit: { id: mr.sha, message: "Change files" },
    });
    expect(payload.merge_request?.source?.path_with_namespace).toBe("root/hooks");
  });

  it("retries a failed delivery with the same Idempotency-Key and event UUID", async () => {
    receiver.script.push(500);
    await w.dev.client.ok("POST", `/projects/${w.project.id}/issues/${issueIid}/notes`, { body: "retry me" });
    const deliveries = await settled();
    expect(deliveries).toHaveLength(2);
    const [first, second] = deliveries;
    expect(second?.headers["idempotency-key"]).toBe(first?.headers["idempotency-key"]);
    expect(second?.headers["x-gitlab-event-uuid"]).toBe(first?.headers["x-gitlab-event-uuid"]);
    expect(second?.body).toEqual(first?.body);
    const hooks = await w.maintainer.client.ok<Array<{ id: number }>>(
      "GET",
      `/projects/${w.project.id}/hooks`,
    );
    const events = await w.maintainer.client.ok<Array<{ response_status: number; attempts: number }>>(
      "GET",
      `/projects/${w.project.id}/hooks/${hooks[0]?.id}/events`,
    );
    expect(events[0]).toMatchObject({ response_status: 200, attempts: 2 });
  });

  it("does not fire for reads, awards or deletions", async () => {
    const note = await w.dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${w.project.id}/issues/${issueIid}/notes`,
      {
        body: "quiet",
      },
    );
    await settled();
    await w.dev.client.ok("GET", `/projects/${w.project.id}/issues/${issueIid}/notes`);
    await w.reporter.client.ok(
      "POST",
      `/projects/${w.project.id}/issues/${issueIid}/notes/${note.id}/award_emoji`,
      {
        name: "eyes",
      },
    );
    await w.dev.client.call("DELETE", `/projects/${w.project.id}/issues/${issueIid}/notes/${note.id}`);
    expect(await settled()).toHaveLength(0);
  });
});
