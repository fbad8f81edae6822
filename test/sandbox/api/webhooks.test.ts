// Note Hook deliveries to a real receiver, held to GitLab's WebHookService and notes services: GitLab's headers
// and payload (checked with the bridge's own zod schema), create and update actions, confidential notes, no
// hook for system notes or unchanged edits, one delivery per event and never a redelivery, the hook events
// API and its resend, and the auto-disabling of a failing hook.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoteHookSchema } from "../../../shared/gitlab/webhook-schema.ts";
import { createProject } from "../../../sandbox/admin-client.ts";
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
/** Moves the sandbox's hook clock forward, to let a disabled hook's back-off pass. */
let clockOffsetMs = 0;
let receiver: Receiver;
let issueIid: number;

beforeAll(async () => {
  w = await startWorld("hooks", { hookClock: () => Date.now() + clockOffsetMs });
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

  // Notes::UpdateService#execute_note_webhook: only when `note.previous_changes.include?('note')`, built with
  // `Gitlab::DataBuilder::Note.build(note, note.author, :update)`: the hook's user is the note's author.
  it("delivers an edit with action 'update' naming the note's author, and nothing for an unchanged edit", async () => {
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
    await w.admin.ok("PUT", `/projects/${w.project.id}/issues/${issueIid}/notes/${note.id}`, {
      body: "third, by the admin",
    });
    await w.dev.client.ok("PUT", `/projects/${w.project.id}/issues/${issueIid}/notes/${note.id}`, {
      body: "third, by the admin",
    });
    const deliveries = await settled();
    const hooks = deliveries.map((d) => NoteHookSchema.parse(d.body));
    expect(hooks.map((h) => [h.object_attributes.action, h.object_attributes.note, h.user.id])).toEqual([
      ["create", "first", w.dev.id],
      ["update", "second", w.dev.id],
      ["update", "third, by the admin", w.dev.id],
    ]);
    expect(hooks[1]?.object_attributes.updated_by_id).toBe(w.dev.id);
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

  // Notes::PostProcessService#execute: "Skip system notes, like status changes and cross-references and
  // awards" — execute_note_hooks runs only `unless note.system?`.
  it("fires no hook for system notes such as label changes", async () => {
    await w.dev.client.ok("PUT", `/projects/${w.project.id}/issues/${issueIid}`, { add_labels: "bug" });
    expect(await settled()).toHaveLength(0);
    const notes = await w.dev.client.ok<Array<{ body: string; system: boolean }>>(
      "GET",
      `/projects/${w.project.id}/issues/${issueIid}/notes`,
    );
    expect(notes[0]).toMatchObject({ system: true, body: "added ~bug label" });
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

  // WebHookService#execute logs any HTTP answer and any error and raises nothing, so WebHookWorker never
  // retries; build_headers gives every delivery a fresh X-Gitlab-Webhook-UUID (SecureRandom.uuid).
  it("delivers once and never again after a 500, each delivery with a fresh X-Gitlab-Webhook-UUID", async () => {
    receiver.script.push(500);
    await w.dev.client.ok("POST", `/projects/${w.project.id}/issues/${issueIid}/notes`, { body: "lost" });
    await w.dev.client.ok("POST", `/projects/${w.project.id}/issues/${issueIid}/notes`, { body: "next" });
    const deliveries = await settled();
    expect(deliveries.map((d) => NoteHookSchema.parse(d.body).object_attributes.note)).toEqual([
      "lost",
      "next",
    ]);
    const [first, second] = deliveries.map((d) => d.headers["x-gitlab-webhook-uuid"]);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  // API::Hooks::Events and API::Entities::WebHookLog; WebHooks::LogExecutionService#log_execution stores
  // X-Gitlab-Token as "[REDACTED]". API::Hooks::ResendHook → WebHooks::Events::ResendService executes the
  // logged request_data again with the log's idempotency_key, and answers 201 { response_status }.
  it("lists deliveries in the hook events API with the token [REDACTED], and resends one with the same Idempotency-Key", async () => {
    receiver.script.push(503);
    await w.dev.client.ok("POST", `/projects/${w.project.id}/issues/${issueIid}/notes`, {
      body: "resend me",
    });
    const [original] = await settled();
    const hooks = await w.maintainer.client.ok<Array<{ id: number }>>(
      "GET",
      `/projects/${w.project.id}/hooks`,
    );
    const hookId = hooks[0]?.id;
    type Event = {
      id: number;
      trigger: string;
      response_status: string;
      request_headers: Record<string, string>;
      request_data: unknown;
    };
    const events = await w.maintainer.client.ok<Event[]>(
      "GET",
      `/projects/${w.project.id}/hooks/${hookId}/events`,
    );
    const logged = events[0]!;
    expect(logged).toMatchObject({ trigger: "note_hooks", response_status: "503" });
    expect(logged.request_headers["X-Gitlab-Token"]).toBe("[REDACTED]");
    expect(logged.request_headers["Idempotency-Key"]).toBe(original?.headers["idempotency-key"]);
    expect(logged.request_data).toEqual(original?.body);
    const failures = await w.maintainer.client.ok<Event[]>(
      "GET",
      `/projects/${w.project.id}/hooks/${hookId}/events?status=server_failure`,
    );
    expect(failures.every((e) => e.response_status.startsWith("5"))).toBe(true);

    const resent = await w.maintainer.client.call(
      "POST",
      `/projects/${w.project.id}/hooks/${hookId}/events/${logged.id}/resend`,
    );
    expect(resent).toMatchObject({ status: 201, body: { response_status: 200 } });
    const [again] = await settled();
    expect(again?.headers["idempotency-key"]).toBe(original?.headers["idempotency-key"]);
    expect(again?.headers["x-gitlab-token"]).toBe("hook-secret");
    expect(again?.headers["x-gitlab-webhook-uuid"]).not.toBe(original?.headers["x-gitlab-webhook-uuid"]);
    expect(again?.body).toEqual(original?.body);
    const forbidden = await w.dev.client.call(
      "POST",
      `/projects/${w.project.id}/hooks/${hookId}/events/${logged.id}/resend`,
    );
    expect(forbidden.status).toBe(403);
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

// WebHooks::AutoDisabling (app/models/concerns/web_hooks/auto_disabling.rb): TEMPORARILY_DISABLED_FAILURE_THRESHOLD
// 3, so the 4th failure in a row disables the hook until INITIAL_BACKOFF (1 min) × 2^n, at most MAX_BACKOFF (1 day);
// PERMANENTLY_DISABLED_FAILURE_THRESHOLD 39, so the 40th disables it for good; `enable!` on a success. The hook
// shows it as alert_status / disabled_until (API::Entities::Hook); WebHookService#execute skips a hook that is not
// `executable?`, and the resend API answers 422 "Hook disabled" for it.
describe("auto-disabling a failing hook", () => {
  it("disables after 4 failures with back-off, re-enables on a success, and for good at 40", async () => {
    const project = await createProject(w.admin, { path: "hooks-failing" });
    const failing = await startReceiver();
    failing.script.push(...Array.from({ length: 60 }, () => 500));
    const hook = await w.admin.ok<{ id: number }>("POST", `/projects/${project.id}/hooks`, {
      url: failing.url,
      note_events: true,
    });
    const issue = await w.admin.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, { title: "x" });
    const note = async (body: string) => {
      await w.admin.ok("POST", `/projects/${project.id}/issues/${issue.iid}/notes`, { body });
      await w.sandbox.idle();
    };
    const show = () =>
      w.admin.ok<{ alert_status: string; disabled_until: string | null }>(
        "GET",
        `/projects/${project.id}/hooks/${hook.id}`,
      );
    try {
      for (let i = 1; i <= 3; i++) await note(`fail ${i}`);
      expect(await show()).toMatchObject({ alert_status: "executable", disabled_until: null });
      await note("fail 4");
      const disabled = await show();
      expect(disabled.alert_status).toBe("temporarily_disabled");
      const backoffMs = Date.parse(disabled.disabled_until ?? "") - (Date.now() + clockOffsetMs);
      expect(backoffMs).toBeGreaterThan(55_000);
      expect(backoffMs).toBeLessThanOrEqual(60_000);
      await note("while disabled");
      expect(failing.deliveries).toHaveLength(4);
      const events = await w.admin.ok<Array<{ id: number }>>(
        "GET",
        `/projects/${project.id}/hooks/${hook.id}/events`,
      );
      const resend = await w.admin.call(
        "POST",
        `/projects/${project.id}/hooks/${hook.id}/events/${events[0]?.id}/resend`,
      );
      expect(resend).toMatchObject({ status: 422, body: { message: "Hook disabled" } });

      // Back-off over: called again; the 5th failure doubles the wait to 2 min.
      clockOffsetMs += 61_000;
      expect((await show()).alert_status).toBe("executable");
      await note("fail 5");
      const again = await show();
      expect(again.alert_status).toBe("temporarily_disabled");
      const secondBackoff = Date.parse(again.disabled_until ?? "") - (Date.now() + clockOffsetMs);
      expect(secondBackoff).toBeGreaterThan(115_000);

      // A success sets the count back to 0.
      clockOffsetMs += 121_000;
      failing.script.splice(0, failing.script.length);
      await note("success");
      expect(await show()).toMatchObject({ alert_status: "executable", disabled_until: null });

      // 40 failures in a row, each once the back-off has passed: disabled for good.
      failing.script.push(...Array.from({ length: 45 }, () => 500));
      for (let i = 1; i <= 40; i++) {
        await note(`failure ${i}`);
        clockOffsetMs += 2 * 24 * 60 * 60_000;
      }
      expect((await show()).alert_status).toBe("disabled");
      const delivered = failing.deliveries.length;
      await note("never delivered");
      expect(failing.deliveries).toHaveLength(delivered);
    } finally {
      await failing.close();
    }
  });
});
