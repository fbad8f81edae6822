// The catch-up sweep through the real path: `agent-bridge serve` and `agent-bridge sweep` against the
// sandbox, whose hook makes one delivery per event and never a second (WebHookService#execute logs a refused
// connection as an "internal error" and raises nothing). Mentions made while the receiver was down reach
// it only through the sweep, which reads them from the project's events API (GET /projects/:id/events,
// https://docs.gitlab.com/api/events/) and serves each exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { parseMarker } from "../../shared/placeholder/marker.ts";
import { AGENT_BRIDGE_BIN, settledNote, startServe } from "../support/serve.ts";

const SECRET = "sweep-e2e-secret";

interface State {
  notes: Array<{ id: number; body: string; author_id: number; discussion_id: string }>;
  award_emoji: Array<{ awardable_id: number; name: string; user_id: number }>;
  pipelines: Array<{ id: number; variables: Array<{ key: string; value: string }> }>;
}

let sandbox: Sandbox;
let admin: RestClient;
let bridge: SandboxUser;
let dev: SandboxUser;
let projectId: number;
let issueIid: number;
let env: Record<string, string>;
const children: ChildProcess[] = [];

async function state(): Promise<State> {
  const res = await fetch(`${sandbox.url}/-/sandbox/state`, {
    headers: { "PRIVATE-TOKEN": sandbox.adminToken },
  });
  return (await res.json()) as State;
}

async function served(noteId: number): Promise<{ awards: number; placeholders: number; pipelines: number }> {
  const s = await state();
  return {
    awards: s.award_emoji.filter((a) => a.awardable_id === noteId && a.name === "eyes").length,
    placeholders: s.notes.filter((n) => n.author_id === bridge.id && parseMarker(n.body)?.note === noteId)
      .length,
    pipelines: s.pipelines.filter((p) =>
      p.variables.some((v) => v.key === "AGENT_BRIDGE_EVENT" && v.value.includes(`"noteId":${noteId},`)),
    ).length,
  };
}

async function mention(body: string): Promise<number> {
  const note = await dev.client.ok<{ id: number }>(
    "POST",
    `/projects/${projectId}/issues/${issueIid}/notes`,
    {
      body,
    },
  );
  await sandbox.idle();
  return note.id;
}

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  bridge = await createUser(admin, "agent-bridge-bot", { bot: true });
  dev = await createUser(admin, "dev");
  const project = await createProject(admin, {
    path: "swept",
    files: {
      ".gitlab-ci.yml": "agent:\n  rules:\n    - if: $AGENT_BRIDGE_EVENT\n  script:\n    - echo ok\n",
    },
  });
  projectId = project.id;
  await addMember(admin, projectId, bridge.id, 30);
  await addMember(admin, projectId, dev.id, 30);
  issueIid = (
    await dev.client.ok<{ iid: number }>("POST", `/projects/${projectId}/issues`, { title: "Down" })
  ).iid;
  env = {
    GITLAB_URL: sandbox.url,
    GITLAB_TOKEN: bridge.token,
    WEBHOOK_SECRET: SECRET,
    BRIDGE_USER_ID: String(bridge.id),
  };
});

afterAll(async () => {
  for (const child of children) child.kill("SIGTERM");
  await sandbox?.close();
});

describe("the catch-up sweep", () => {
  it("serves, once each, three mentions posted while the receiver was stopped, when it starts again", async () => {
    const first = await startServe({ ...env, SWEEP_INTERVAL_SECONDS: "0" });
    children.push(first.child);
    const port = Number(new URL(first.webhookUrl).port);
    await admin.ok("POST", `/projects/${projectId}/hooks`, {
      url: first.webhookUrl,
      token: SECRET,
      note_events: true,
    });
    const before = await mention("@claude before the outage");
    await first.log.waitFor(settledNote(before));
    first.child.kill("SIGTERM");
    await new Promise((resolve) => first.child.once("exit", resolve));

    // Down: GitLab's one delivery of each fails (connection refused) and is never made again.
    const missed = [
      await mention("@claude first while down"),
      await mention("@codex second while down"),
      await mention("@claude third while down"),
    ];
    for (const id of missed) expect(await served(id)).toEqual({ awards: 0, placeholders: 0, pipelines: 0 });

    const again = await startServe({ ...env, SWEEP_INTERVAL_SECONDS: "3600" }, { port });
    children.push(again.child);
    for (const id of missed) await again.log.waitFor(settledNote(id));
    for (const id of missed) expect(await served(id)).toEqual({ awards: 1, placeholders: 1, pipelines: 1 });
    // The mention served before the outage is left alone: one of each, still.
    expect(await served(before)).toEqual({ awards: 1, placeholders: 1, pipelines: 1 });
    const sweep = await again.log.waitFor((line) => line["msg"] === "sweep");
    expect(sweep).toMatchObject({ projects: 1, found: 3, handedOff: 3, recentlyClaimed: 1 });

    // `agent-bridge sweep` right after: everything is claimed now; nothing more is posted.
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [AGENT_BRIDGE_BIN, "sweep", "--minutes", "5"], {
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
        stdio: "ignore",
      });
      child.once("exit", resolve);
    });
    expect(code).toBe(0);
    for (const id of [before, ...missed]) {
      expect(await served(id)).toEqual({ awards: 1, placeholders: 1, pipelines: 1 });
    }
  });

  it("takes over a mention whose worker died between the claim and the placeholder", async () => {
    // No delivery this time: the hook is gone, as if GitLab had disabled it.
    for (const hook of await admin.ok<Array<{ id: number }>>("GET", `/projects/${projectId}/hooks`)) {
      await admin.ok("DELETE", `/projects/${projectId}/hooks/${hook.id}`);
    }
    const id = await mention("@claude claimed, then the worker died");
    // What a dead worker leaves: the bridge's 👀 on the note, no placeholder.
    await bridge.client.ok("POST", `/projects/${projectId}/issues/${issueIid}/notes/${id}/award_emoji`, {
      name: "eyes",
    });
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [AGENT_BRIDGE_BIN, "sweep"], {
        env: {
          PATH: process.env["PATH"] ?? "",
          HOME: process.env["HOME"] ?? "/tmp",
          ...env,
          CLAIM_GRACE_SECONDS: "0",
        },
        stdio: "ignore",
      });
      child.once("exit", resolve);
    });
    expect(code).toBe(0);
    expect(await served(id)).toEqual({ awards: 1, placeholders: 1, pipelines: 1 });
  });

  /** `agent-bridge sweep` once; its one "sweep" line. */
  async function sweepOnce(): Promise<Record<string, unknown>> {
    const child = spawn(process.execPath, [AGENT_BRIDGE_BIN, "sweep"], {
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    const lines = out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return lines.find((l) => l["msg"] === "sweep") ?? {};
  }

  it("answers a reply it finds in a thread in that thread, and remembers a Guest's refusal in GitLab", async () => {
    // No hook (the test before removed it): only the sweep sees these.
    const guest = await createUser(admin, "guest");
    await addMember(admin, projectId, guest.id, 10);
    const thread = await dev.client.ok<{ id: string }>(
      "POST",
      `/projects/${projectId}/issues/${issueIid}/discussions`,
      { body: "Why does the build fail on main?" },
    );
    const reply = await dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${projectId}/issues/${issueIid}/discussions/${thread.id}/notes`,
      { body: "@claude can you look at this thread?" },
    );
    const guestNote = (
      await guest.client.ok<{ id: number }>("POST", `/projects/${projectId}/issues/${issueIid}/notes`, {
        body: "@claude delete the tests",
      })
    ).id;
    await sandbox.idle();

    const first = await sweepOnce();
    expect(first).toMatchObject({ found: 2, refusedBefore: 0 });
    // The events API does not say the reply's thread; the placeholder is in it all the same.
    const s = await state();
    const placeholder = s.notes.find(
      (n) => n.author_id === bridge.id && parseMarker(n.body)?.note === reply.id,
    );
    expect(placeholder?.discussion_id).toBe(thread.id);
    expect(await served(reply.id)).toEqual({ awards: 1, placeholders: 1, pipelines: 1 });
    // The Guest: nothing served, the 👀 given back, the bridge's 🚫 left as GitLab's memory of the refusal.
    expect(await served(guestNote)).toEqual({ awards: 0, placeholders: 0, pipelines: 0 });
    expect(
      s.award_emoji.filter((a) => a.awardable_id === guestNote && a.user_id === bridge.id).map((a) => a.name),
    ).toEqual(["no_entry_sign"]);

    // The next sweep takes neither up again.
    const second = await sweepOnce();
    expect(second).toMatchObject({ found: 0, refusedBefore: 1 });
    expect(await served(guestNote)).toEqual({ awards: 0, placeholders: 0, pipelines: 0 });
  });
});
