// Issue Hook and Merge Request Hook triggers through the real receiver: a real `agent-bridge serve`, the
// sandbox delivering the hooks its API calls cause (sandbox/hooks/issuable-hooks.ts, after GitLab's
// Issuable#to_hook_data and its hook data builders), and the outcome read from the sandbox's state: the
// claim given back, one placeholder note on the issue or merge request whose marker names the change, and
// one pipeline per run. Redelivery (the hook log's resend, API::Hooks::ResendHook) never runs twice.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { readPlaceholder } from "../../shared/placeholder/marker.ts";
import type { BridgeEvent } from "../../shared/webhook/bridge-event.ts";
import { decodeBridgeEvent } from "../support/bridge-event.ts";
import { settledChange, startServe, type LogLine, type ServeLog } from "../support/serve.ts";

const SECRET = "issuable-triggers-secret";

interface StateNote {
  id: number;
  body: string;
  author_id: number;
  noteable_iid: number;
  noteable_type: string;
}
interface State {
  notes: StateNote[];
  award_emoji: Array<{ awardable_type: string; name: string; user_id: number }>;
  pipelines: Array<{ id: number; variables: Array<{ key: string; value: string }> }>;
}

let sandbox: Sandbox;
let admin: RestClient;
let bridge: SandboxUser;
let dev: SandboxUser;
let guest: SandboxUser;
let projectId: number;
let hookId: number;
let serve: ChildProcess;
let log: ServeLog;

async function state(): Promise<State> {
  const res = await fetch(`${sandbox.url}/-/sandbox/state`, {
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
  return (await res.json()) as State;
}

/** The bridge's placeholders and the pipelines' events for one issue (or merge request). */
async function outcome(type: "Issue" | "MergeRequest", iid: number) {
  const s = await state();
  const placeholders = s.notes.filter(
    (n) => n.author_id === bridge.id && n.noteable_type === type && n.noteable_iid === iid,
  );
  const events: BridgeEvent[] = s.pipelines
    .map((p) => p.variables.find((v) => v.key === "AGENT_BRIDGE_EVENT")?.value)
    .filter((v): v is string => v !== undefined)
    .map(decodeBridgeEvent)
    .filter((e) => e.noteableType === type && e.noteableIid === iid);
  const locks = s.award_emoji.filter((a) => a.user_id === bridge.id && a.awardable_type === type).length;
  return { placeholders, events, locks };
}

/** Makes a change through the API and waits until the receiver is done with the delivery it causes. */
async function change<T>(act: () => Promise<T>): Promise<{ value: T; line: LogLine }> {
  const from = log.lines.length;
  const value = await act();
  await sandbox.idle();
  const line = await log.waitFor(settledChange, from);
  return { value, line };
}

const openIssue = (user: SandboxUser, fields: Record<string, unknown>) =>
  change(() => user.client.ok<{ iid: number }>("POST", `/projects/${projectId}/issues`, fields));

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bridge = await createUser(admin, "agent-bridge-bot", { bot: true });
  dev = await createUser(admin, "dev");
  guest = await createUser(admin, "guest");
  const project = await createProject(admin, {
    path: "issuable-triggers",
    files: {
      ".gitlab-ci.yml":
        'agent:\n  rules:\n    - if: $AGENT_BRIDGE_EVENT\n  script:\n    - echo "$AGENT_BRIDGE_EVENT"\n',
    },
  });
  projectId = project.id;
  await addMember(admin, projectId, bridge.id, 30);
  await addMember(admin, projectId, dev.id, 30);
  await addMember(admin, projectId, guest.id, 10);
  ({ child: serve, log } = await startServe({
    GITLAB_URL: sandbox.url,
    GITLAB_TOKEN: bridge.token,
    WEBHOOK_SECRET: SECRET,
    BRIDGE_USER_ID: String(bridge.id),
    SWEEP_INTERVAL_SECONDS: "0",
  }).then((started) => {
    serveUrl = started.webhookUrl;
    return started;
  }));
  // Issues and merge request events only: the placeholders' own Note Hooks stay out of this suite's log.
  const hook = await admin.ok<{ id: number }>("POST", `/projects/${projectId}/hooks`, {
    url: serveUrl,
    token: SECRET,
    issues_events: true,
    confidential_issues_events: true,
    merge_requests_events: true,
    note_events: false,
  });
  hookId = hook.id;
});
let serveUrl = "";

afterAll(async () => {
  serve?.kill("SIGTERM");
  await sandbox?.close();
});

describe("Issue Hook and Merge Request Hook triggers through agent-bridge serve", () => {
  it("an issue opened with '@claude please fix this' at the end of its description: one placeholder, one pipeline", async () => {
    const { value: issue, line } = await openIssue(dev, {
      title: "The greeting is rude",
      description: "It says 'go away'.\n\n@claude please fix this",
    });
    expect(line).toMatchObject({ msg: "issuable task", result: "dispatched" });
    const result = await outcome("Issue", issue.iid);
    expect(result.placeholders).toHaveLength(1);
    const marker = readPlaceholder(result.placeholders[0]?.body ?? "");
    expect(marker).toMatchObject({ assistant: "claude", change: expect.stringMatching(/^issue:\d+:open:/) });
    expect(result.events).toEqual([
      expect.objectContaining({
        assistant: "claude",
        noteId: null,
        trigger: { kind: "mention", key: marker?.change },
        placeholderNoteId: result.placeholders[0]?.id,
        authorUsername: "dev",
      }),
    ]);
    // The job reads the issue from GitLab: the event carries no text of it.
    expect(result.events[0]).not.toHaveProperty("instruction");
    // The claim's lock was given back, so the next change can be claimed.
    expect(result.locks).toBe(0);

    // GitLab's "Resend request" of the same delivery: found the placeholder of that change, no second run.
    const events = await admin.ok<Array<{ id: number; request_data: { object_kind?: string } }>>(
      "GET",
      `/projects/${projectId}/hooks/${hookId}/events`,
    );
    const delivery = events.find((e) => e.request_data.object_kind === "issue");
    const resent = await change(() =>
      admin.ok("POST", `/projects/${projectId}/hooks/${hookId}/events/${delivery?.id}/resend`),
    );
    expect(resent.line).toMatchObject({ msg: "issuable task", result: "duplicate" });
    expect((await outcome("Issue", issue.iid)).events).toHaveLength(1);
  });

  it("the bridge assigned to an issue, then a trigger label added: two changes, two runs", async () => {
    const { value: issue } = await openIssue(dev, {
      title: "Add a farewell",
      description: "Say goodbye too.",
    });
    expect((await outcome("Issue", issue.iid)).events).toHaveLength(0);
    const assigned = await change(() =>
      dev.client.ok("PUT", `/projects/${projectId}/issues/${issue.iid}`, { assignee_ids: [bridge.id] }),
    );
    expect(assigned.line).toMatchObject({ result: "dispatched" });
    const labelled = await change(() =>
      dev.client.ok("PUT", `/projects/${projectId}/issues/${issue.iid}`, { add_labels: "codex" }),
    );
    expect(labelled.line).toMatchObject({ result: "dispatched" });
    const result = await outcome("Issue", issue.iid);
    expect(result.events.map((e) => [e.assistant, e.trigger?.kind])).toEqual([
      ["claude", "assignee"],
      ["codex", "label"],
    ]);
    expect(new Set(result.events.map((e) => e.trigger?.key)).size).toBe(2);
  });

  it("the bridge asked to review a merge request, and an MR opened with '@codex review this'", async () => {
    await dev.client.ok("POST", `/projects/${projectId}/repository/commits`, {
      branch: "feature",
      start_branch: "main",
      commit_message: "Add code",
      actions: [{ action: "create", file_path: "app.js", content: "const a = 1;\n" }],
    });
    const { value: mr, line } = await change(() =>
      dev.client.ok<{ iid: number }>("POST", `/projects/${projectId}/merge_requests`, {
        source_branch: "feature",
        target_branch: "main",
        title: "Add code",
        description: "Adds app.js.\n\n@codex review this",
      }),
    );
    expect(line).toMatchObject({ result: "dispatched" });
    const review = await change(() =>
      dev.client.ok("PUT", `/projects/${projectId}/merge_requests/${mr.iid}`, { reviewer_ids: [bridge.id] }),
    );
    expect(review.line).toMatchObject({ result: "dispatched" });
    const result = await outcome("MergeRequest", mr.iid);
    expect(result.events.map((e) => [e.assistant, e.trigger?.kind])).toEqual([
      ["codex", "mention"],
      ["claude", "reviewer"],
    ]);
    expect(result.placeholders).toHaveLength(2);
  });

  describe("what never runs, and costs no GitLab call beyond the policy's", () => {
    it("a mention by a Guest: read back and refused, nothing claimed or posted", async () => {
      const { value: issue, line } = await openIssue(guest, {
        title: "Hi",
        description: "@claude please fix this",
      });
      expect(line).toMatchObject({ msg: "issuable task", result: "ignored", reason: "insufficient access" });
      const methods = (line["calls"] as Array<{ method: string }>).map((c) => c.method);
      expect(methods.every((m) => m === "GET")).toBe(true);
      expect(methods).toHaveLength(4); // the issue, the project, the Guest's membership and user
      expect(await outcome("Issue", issue.iid)).toEqual({ placeholders: [], events: [], locks: 0 });
    });

    it("a mention by the bridge's own user: ignored on the payload", async () => {
      const { value: issue, line } = await openIssue(bridge, {
        title: "Mine",
        description: "@claude please fix this",
      });
      expect(line).toMatchObject({
        msg: "webhook delivery",
        result: "ignored",
        reason: "change by the bridge's user",
      });
      expect((await outcome("Issue", issue.iid)).events).toHaveLength(0);
    });

    it("a mention in a quoted block: ignored on the payload", async () => {
      const { value: issue, line } = await openIssue(dev, {
        title: "Quoting",
        description: "A customer wrote:\n\n> @claude please fix this\n\nWe will look at it.",
      });
      expect(line).toMatchObject({ msg: "webhook delivery", result: "ignored" });
      expect((await outcome("Issue", issue.iid)).events).toHaveLength(0);
    });

    it("an edit that keeps a mention the description already had", async () => {
      const { value: issue } = await openIssue(dev, {
        title: "Once",
        description: "@claude please fix this",
      });
      const edited = await change(() =>
        dev.client.ok("PUT", `/projects/${projectId}/issues/${issue.iid}`, {
          description: "@claude please fix this, thanks",
        }),
      );
      expect(edited.line).toMatchObject({ msg: "webhook delivery", result: "ignored" });
      expect((await outcome("Issue", issue.iid)).events).toHaveLength(1);
    });
  });
});
