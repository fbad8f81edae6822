// runJob end to end in-process, with every step injected and GitLab answered by an in-memory fetch: the
// orchestration's order, the placeholder's life and the exit codes. The real steps and the real sandbox are
// the integration suite's.
import { describe, expect, it } from "vitest";
import type { AgentRunResult, JobContext, Workspace } from "../../../job/contracts.ts";
import { parsePlaceholderStatus } from "../../../shared/placeholder/marker.ts";
import type { JobSteps } from "../../../job/run-types.ts";
import { runJob } from "../../../entrypoints/run.ts";
import { encodeBridgeEvent, type BridgeEvent } from "../../../shared/webhook/bridge-event.ts";

const TOKEN = "glpat-bot-token-abcdefghij";
const API_KEY = "sk-ant-api03-test-key-value";
const event: BridgeEvent = {
  assistant: "claude",
  projectId: 5,
  projectPath: "group/app",
  noteableType: "Issue",
  noteableIid: 17,
  noteId: 1241,
  discussionId: null,
  placeholderNoteId: 1300,
  authorId: 1,
  authorUsername: "alice",
  instruction: "@claude fix it",
  confidential: false,
};
const baseEnv = {
  CI_SERVER_URL: "http://gitlab.test",
  CI_PROJECT_ID: "5",
  CI_PROJECT_PATH: "group/app",
  CI_PROJECT_DIR: "/builds/group/app",
  CI_DEFAULT_BRANCH: "main",
  CI_JOB_ID: "77",
  CI_JOB_URL: "http://gitlab.test/group/app/-/jobs/77",
  GITLAB_TOKEN: TOKEN,
  CLAUDE_API_KEY: API_KEY,
  AGENT_BRIDGE_EVENT: encodeBridgeEvent(event),
};

/** An in-memory GitLab that knows one note: the placeholder. */
function fakeGitLab() {
  const bodies: string[] = [];
  const calls: string[] = [];
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push(`${init?.method ?? "GET"} ${url.pathname}`);
    if (url.pathname === "/api/v4/projects/5/issues/17/notes/1300" && init?.method === "PUT") {
      const body = (JSON.parse(String(init.body)) as { body: string }).body;
      bodies.push(body);
      return Response.json({
        id: 1300,
        body,
        author: { id: 9, username: "bot" },
        created_at: "2026-01-01T00:00:00Z",
      });
    }
    return Response.json({ message: "404 Not Found" }, { status: 404 });
  }) as typeof globalThis.fetch;
  return { fetch: fakeFetch, bodies, calls, last: () => bodies.at(-1) ?? "" };
}

const context: JobContext = {
  kind: "issue",
  issue: { iid: 17, title: "Fix it", webUrl: "http://gitlab.test/group/app/-/issues/17" },
  trigger: {
    noteId: 1241,
    body: "@claude fix it",
    authorUsername: "alice",
    createdAt: "2026-01-01T00:00:00Z",
  },
  markdown: "# Issue",
  images: [],
  stats: { chars: 7, truncated: false, gitlabCalls: 3 },
};
const workspace: Workspace = {
  dir: "/builds/group/app",
  baseBranch: "main",
  workBranch: "claude/17-fix-it",
  mode: "issue",
  startSha: "a".repeat(40),
};
const success: AgentRunResult = {
  status: "success",
  finalText: "Fixed it.",
  durationMs: 1_000,
  turns: 3,
  costUsd: 0.01,
};

function steps(order: string[], overrides: Partial<JobSteps> = {}): Partial<JobSteps> {
  return {
    buildContext: async () => (order.push("context"), context),
    prepareWorkspace: async () => (order.push("workspace"), workspace),
    applyBaseRules: async () => {
      order.push("rules");
      return { files: [], restore: async () => void order.push("restore rules") };
    },
    buildPrompt: () => (order.push("prompt"), { prompt: "do it" }),
    modelEnv: async () => (
      order.push("model env"),
      { env: { ANTHROPIC_API_KEY: API_KEY }, secrets: [API_KEY, "cloud-session-secret"] }
    ),
    startToolBridge: async () => {
      order.push("tool bridge");
      return {
        mcp: { command: "node", args: [], env: {} },
        comments: () => ({ posted: 0, calls: 0, refused: [] }),
        close: async () => void order.push("close bridge"),
      };
    },
    runAgent: async (input) => {
      order.push("agent");
      input.onEvent({ kind: "todo", text: "- [x] looked" });
      return success;
    },
    publishChanges: async () => (
      order.push("publish"),
      {
        kind: "commit",
        branch: "claude/17-fix-it",
        commitSha: "b".repeat(40),
        commitUrl: "http://gitlab.test/c",
      }
    ),
    ...overrides,
  };
}

describe("job/run", () => {
  it("runs the steps in order and ends with the result", async () => {
    const gitlab = fakeGitLab();
    const order: string[] = [];
    const lines: string[] = [];
    const result = await runJob({
      env: baseEnv,
      gitlabFetch: gitlab.fetch,
      steps: steps(order),
      log: (l) => lines.push(l),
    });
    expect(result).toMatchObject({ exitCode: 0, outcome: "succeeded", placeholderFinal: true });
    expect(order).toEqual([
      "context",
      "workspace",
      "rules",
      "prompt",
      "model env",
      "tool bridge",
      "agent",
      "restore rules",
      "close bridge",
      "publish",
    ]);
    expect(gitlab.bodies.map(parsePlaceholderStatus)[0]).toBe("working");
    expect(gitlab.bodies[0]).toContain("](http://gitlab.test/group/app/-/jobs/77)");
    expect(parsePlaceholderStatus(gitlab.last())).toBe("done");
    expect(gitlab.last()).toContain("Fixed it.");
    expect(gitlab.last()).toContain("[`bbbbbbbb`](http://gitlab.test/c)");
    expect(gitlab.last()).toContain("- [x] looked");
    expect(lines.some((l) => l.includes("event from AGENT_BRIDGE_EVENT"))).toBe(true);
  });

  it("redacts the job's secrets, the model's included, from every note and log line", async () => {
    const gitlab = fakeGitLab();
    const lines: string[] = [];
    const leaky = `token ${TOKEN}, key ${API_KEY}, session cloud-session-secret`;
    await runJob({
      env: baseEnv,
      gitlabFetch: gitlab.fetch,
      log: (l) => lines.push(l),
      steps: steps([], {
        runAgent: async (input) => {
          input.onEvent({ kind: "text", text: leaky });
          return { ...success, finalText: leaky };
        },
      }),
    });
    for (const text of [...gitlab.bodies, ...lines]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain("cloud-session-secret");
    }
    expect(gitlab.last()).toContain("token [REDACTED], key [REDACTED], session [REDACTED]");
  });

  it("ends quietly for another assistant's event, without a GitLab call", async () => {
    const gitlab = fakeGitLab();
    const lines: string[] = [];
    const result = await runJob({
      env: { ...baseEnv, AGENT_ASSISTANT: "codex" },
      gitlabFetch: gitlab.fetch,
      log: (l) => lines.push(l),
    });
    expect(result).toMatchObject({ exitCode: 0, outcome: "skipped" });
    expect(gitlab.calls).toEqual([]);
    expect(lines).toEqual(["nothing to do: the event is for claude; this job runs codex"]);
  });

  it("puts a settings error on the placeholder, without any value", async () => {
    const gitlab = fakeGitLab();
    const env = { ...baseEnv, CLAUDE_API_KEY: "sk-ant has blanks secret", AGENT_PUSH_MODE: "yolo" };
    const result = await runJob({ env, gitlabFetch: gitlab.fetch, log: () => undefined });
    expect(result).toMatchObject({ exitCode: 1, outcome: "failed", placeholderFinal: true });
    expect(gitlab.bodies).toHaveLength(1);
    const body = gitlab.last();
    expect(parsePlaceholderStatus(body)).toBe("failed");
    expect(body).toContain("The job settings are not valid:");
    expect(body).toContain("AGENT_PUSH_MODE: one of auto, commit, amend");
    expect(body).toContain("CLAUDE_API_KEY:");
    expect(body).not.toContain("has blanks secret");
    expect(body).toContain("[Job log](http://gitlab.test/group/app/-/jobs/77)");
  });

  it("puts a malformed event's error on its placeholder when it can find it", async () => {
    const gitlab = fakeGitLab();
    const { confidential: _c, ...broken } = event;
    const result = await runJob({
      env: { ...baseEnv, AGENT_BRIDGE_EVENT: JSON.stringify(broken) },
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
    });
    expect(result).toMatchObject({ exitCode: 1, outcome: "failed" });
    expect(gitlab.last()).toContain("AGENT_BRIDGE_EVENT is not a valid agent-bridge event");
  });

  it("fails a step with the job link and still cleans up", async () => {
    const gitlab = fakeGitLab();
    const order: string[] = [];
    const result = await runJob({
      env: baseEnv,
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
      steps: steps(order, {
        runAgent: async () => {
          throw new Error("claude: command not found");
        },
      }),
    });
    expect(result).toMatchObject({ exitCode: 1, outcome: "failed", reason: "claude: command not found" });
    expect(order).toContain("restore rules");
    expect(order).toContain("close bridge");
    expect(order).not.toContain("publish");
    expect(gitlab.last()).toContain("could not finish (asked by @alice): claude: command not found");
    expect(gitlab.last()).toContain("[Job log](http://gitlab.test/group/app/-/jobs/77)");
  });

  it("does not publish when the agent fails", async () => {
    const gitlab = fakeGitLab();
    const order: string[] = [];
    const result = await runJob({
      env: baseEnv,
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
      steps: steps(order, {
        runAgent: async () => ({
          status: "error",
          finalText: "",
          error: "API error 529 overloaded",
          durationMs: 5,
        }),
      }),
    });
    expect(result.outcome).toBe("failed");
    expect(order).not.toContain("publish");
    expect(gitlab.last()).toContain("the agent failed: API error 529 overloaded");
  });

  it("refuses an event of another project", async () => {
    const gitlab = fakeGitLab();
    const result = await runJob({
      env: { ...baseEnv, CI_PROJECT_ID: "6" },
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
      steps: steps([]),
    });
    expect(result.outcome).toBe("failed");
    expect(gitlab.last()).toContain(
      "the event is for project group/app (5), but this job runs in group/app (6)",
    );
  });

  it("stops on SIGTERM during a step that hangs, and marks the placeholder failed", async () => {
    const gitlab = fakeGitLab();
    const order: string[] = [];
    const stop = new AbortController();
    let agentSignal: AbortSignal | undefined;
    const result = await runJob({
      env: baseEnv,
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
      stopSignal: stop.signal,
      steps: steps(order, {
        runAgent: (input) => {
          agentSignal = input.signal;
          setTimeout(() => stop.abort({ kind: "signal", signal: "SIGTERM" }), 20);
          return new Promise<never>(() => undefined);
        },
      }),
    });
    expect(result).toMatchObject({ exitCode: 1, outcome: "stopped", placeholderFinal: true });
    expect(agentSignal?.aborted).toBe(true);
    expect(order).toContain("restore rules");
    expect(order).toContain("close bridge");
    expect(parsePlaceholderStatus(gitlab.last())).toBe("failed");
    expect(gitlab.last()).toContain("stopped by SIGTERM");
  });

  it("stops at its own deadline", async () => {
    const gitlab = fakeGitLab();
    const result = await runJob({
      env: { ...baseEnv, AGENT_TIMEOUT_MINUTES: "0.05" },
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
      steps: steps([], { buildContext: () => new Promise<never>(() => undefined) }),
    });
    expect(result).toMatchObject({ exitCode: 1, outcome: "stopped" });
    expect(gitlab.last()).toContain(
      "stopped at the run's time limit of 0.05 minutes (AGENT_TIMEOUT_MINUTES)",
    );
  });

  it("treats an agent stopped at its deadline as stopped", async () => {
    const gitlab = fakeGitLab();
    const order: string[] = [];
    const result = await runJob({
      env: baseEnv,
      gitlabFetch: gitlab.fetch,
      log: () => undefined,
      steps: steps(order, { runAgent: async () => ({ status: "timeout", finalText: "", durationMs: 5 }) }),
    });
    expect(result.outcome).toBe("stopped");
    expect(order).not.toContain("publish");
    expect(gitlab.last()).toContain("time limit");
  });
});
