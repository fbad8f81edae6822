import { describe, expect, it } from "vitest";
import type { GitLabRequester } from "../../../shared/gitlab/client.ts";
import { GitLabApiError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { parseMarker, parsePlaceholderStatus, readPlaceholder } from "../../../shared/placeholder/marker.ts";
import { createPlaceholder } from "../../../shared/placeholder/lifecycle.ts";
import {
  formatDuration,
  renderFailed,
  renderSucceeded,
  renderWorking,
  type PlaceholderHead,
} from "../../../shared/placeholder/job-text.ts";
import { neutralizeMentions } from "../../../shared/placeholder/neutralize-mentions.ts";
import { createRedactor } from "../../../job/redact.ts";

const head: PlaceholderHead = {
  assistant: "claude",
  triggerNoteId: 501,
  askedBy: "alice",
  jobUrl: "https://gitlab.example.com/g/app/-/jobs/77",
  jobId: 77,
};
const ref = { projectId: 5, noteableType: "Issue" as const, noteableIid: 3, noteId: 900 };

describe("shared/placeholder/job-text", () => {
  it("keeps the placeholder marker, with the status and the job, in every body", () => {
    const bodies = {
      working: renderWorking(head),
      done: renderSucceeded(head, { text: "Done.", publish: { kind: "none" }, durationMs: 1000 }),
      failed: renderFailed(head, { error: "boom" }),
    };
    for (const [status, body] of Object.entries(bodies)) {
      expect(parseMarker(body)).toEqual({ kind: "placeholder", assistant: "claude", note: 501 });
      expect(parsePlaceholderStatus(body)).toBe(status);
      expect(readPlaceholder(body)).toEqual({
        kind: "placeholder",
        assistant: "claude",
        note: 501,
        status,
        job: 77,
      });
      expect(body).toContain("](https://gitlab.example.com/g/app/-/jobs/77)");
    }
    expect(parsePlaceholderStatus("🤖 **Claude** is working on it…")).toBeNull();
  });

  it("renders working with the checklist", () => {
    const body = renderWorking(head, "- [x] read the issue\n- [ ] fix it");
    expect(body).toContain("🤖 **Claude** is working on it… (asked by @alice)");
    expect(body).toContain("- [x] read the issue\n- [ ] fix it");
    expect(body).toContain("[View the job](https://gitlab.example.com/g/app/-/jobs/77)");
  });

  it("renders a merge request result with links and the run's figures", () => {
    const body = renderSucceeded(head, {
      text: "Fixed the login page.",
      publish: {
        kind: "merge_request",
        branch: "claude/3-fix-login",
        commitSha: "0123456789abcdef0123456789abcdef01234567",
        mergeRequestIid: 12,
        mergeRequestUrl: "https://gitlab.example.com/g/app/-/merge_requests/12",
      },
      durationMs: 133_000,
      turns: 7,
      inputTokens: 12_345,
      outputTokens: 1_234,
      costUsd: 0.0421,
      checklist: "- [x] fix",
    });
    expect(body).toContain("✅ **Claude** finished (asked by @alice)");
    expect(body).toContain("Fixed the login page.");
    expect(body).toContain("[!12](https://gitlab.example.com/g/app/-/merge_requests/12)");
    expect(body).toContain("`claude/3-fix-login`");
    expect(body).toContain("`01234567`");
    expect(body).toContain("<details><summary>Checklist</summary>");
    expect(body).toContain("2m 13s · 7 turns · 12k in / 1.2k out tokens · $0.04");
  });

  it("names the review comments that were not posted, and does not read as a plain success", () => {
    const body = renderSucceeded(head, {
      text: "Review: two suggestions.",
      publish: { kind: "none" },
      durationMs: 5_000,
      review: {
        posted: 1,
        notPosted: [
          {
            where: "src/a.ts line 40",
            reason: "Line 40 on the new side of src/a.ts is not part of the diff",
          },
          { where: "1 comment", reason: "the review tool was not available to the agent" },
        ],
      },
    });
    expect(body).toContain("⚠️ **Claude** finished (asked by @alice), but 2 review comments were not posted");
    expect(body).not.toContain("✅");
    expect(body).toContain("**Inline comments posted:** 1 · **not posted:** 2");
    expect(body).toContain("- src/a.ts line 40: Line 40 on the new side of src/a.ts is not part of the diff");
    expect(body).toContain("- 1 comment: the review tool was not available to the agent");

    const complete = renderSucceeded(head, {
      text: "Review: one suggestion.",
      publish: { kind: "none" },
      durationMs: 5_000,
      review: { posted: 3, notPosted: [] },
    });
    expect(complete).toContain("✅ **Claude** finished (asked by @alice)");
    expect(complete).toContain("**Inline comments posted:** 3");
  });

  it("renders a commit, a fork's patch, and a plain answer", () => {
    const commit = renderSucceeded(head, {
      text: "",
      publish: {
        kind: "commit",
        branch: "feature",
        commitSha: "abcdef0123456789",
        commitUrl: "https://x/-/commit/abcdef01",
      },
      durationMs: 5_000,
    });
    expect(commit).toContain("**Pushed** [`abcdef01`](https://x/-/commit/abcdef01) to `feature`.");
    const patch = renderSucceeded(head, {
      text: "Here you go.",
      publish: { kind: "patch", patch: "diff --git a/x b/x\n+```\n" },
      durationMs: 5_000,
    });
    expect(patch).toContain("comes from a fork");
    // The fence is longer than any backtick run in the patch, so the patch cannot close it.
    expect(patch).toContain("````diff\ndiff --git a/x b/x\n+```\n````");
    const answer = renderSucceeded(head, {
      text: "The answer is 42.",
      publish: { kind: "none" },
      durationMs: 900,
    });
    expect(answer).toContain("The answer is 42.");
    expect(answer).toContain("· 1s</sub>");
  });

  it("renders an error: headline, details in a block, what to try, the job log", () => {
    const body = renderFailed(head, {
      error:
        "The job settings are not valid:\n  GITLAB_TOKEN: required\nFix these environment variables and start again.",
      hint: "Fix the variables, then mention `@claude` again.",
      durationMs: 2_000,
    });
    expect(body).toContain(
      "❌ **Claude** could not finish (asked by @alice): The job settings are not valid:",
    );
    expect(body).toContain(
      "```text\n  GITLAB_TOKEN: required\nFix these environment variables and start again.\n```",
    );
    expect(body).toContain("Fix the variables, then mention `@claude` again.");
    expect(body).toContain("<sub>[Job log](https://gitlab.example.com/g/app/-/jobs/77) · 2s</sub>");
  });

  it("never writes a bare assistant mention", () => {
    const text = "Ask @claude or @Codex, mail claude@example.com, ping @claude-bot, `@claude` stays, @all hi";
    const bodies = [
      renderWorking(head, text),
      renderSucceeded(head, { text, publish: { kind: "none" }, durationMs: 1 }),
      renderFailed(head, { error: text, hint: text }),
    ];
    for (const body of bodies) {
      expect(body).not.toMatch(/(^|[^`])@(claude|codex|all)\b(?!-)/i);
      expect(body).toContain("claude@example.com");
      expect(body).toContain("@claude-bot");
    }
  });

  it("neutralizes mentions outside code only", () => {
    expect(neutralizeMentions("hi @claude.", ["claude"])).toBe("hi `@claude`.");
    expect(neutralizeMentions("run `echo @claude` now", ["claude"])).toBe("run `echo @claude` now");
    expect(neutralizeMentions("```\n@claude\n```\n@claude", ["claude"])).toBe("```\n@claude\n```\n`@claude`");
    expect(neutralizeMentions("@helper and @claude", ["claude", "helper"])).toBe("`@helper` and `@claude`");
    expect(neutralizeMentions("a `` ` `` @codex", ["codex"])).toBe("a `` ` `` `@codex`");
  });

  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(59_400)).toBe("59s");
    expect(formatDuration(61_000)).toBe("1m 01s");
    expect(formatDuration(3_725_000)).toBe("1h 2m");
  });
});

// A clock and timers the test moves by hand.
function fakeTime(start = 1_000_000) {
  let t = start;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    now: () => t,
    setTimer(fn: () => void, ms: number) {
      const timer = { at: t + ms, fn, live: true };
      timers.push(timer);
      return () => {
        timer.live = false;
      };
    },
    pending: () => timers.filter((timer) => timer.live).length,
    async advance(ms: number) {
      t += ms;
      for (const timer of timers) {
        if (timer.live && timer.at <= t) {
          timer.live = false;
          timer.fn();
        }
      }
      await settle();
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function recordingGitLab(options: { fail?: (n: number) => unknown; delayMs?: number } = {}) {
  const puts: { path: string; body: string }[] = [];
  let calls = 0;
  const gitlab: GitLabRequester = {
    async request<T>(method: string, path: string, opts?: { json?: unknown }): Promise<T> {
      calls += 1;
      const failure = options.fail?.(calls);
      await settle();
      if (failure) throw failure;
      const body = (opts?.json as { body: string }).body;
      if (method === "PUT") puts.push({ path, body });
      return { id: 900, body, author: { id: 1, username: "bot" }, created_at: "2026-01-01T00:00:00Z" } as T;
    },
  };
  return { gitlab, puts, calls: () => calls };
}

describe("job/placeholder", () => {
  it("edits the placeholder note by id, through the redactor", async () => {
    const time = fakeTime();
    const { gitlab, puts } = recordingGitLab();
    const placeholder = createPlaceholder({
      gitlab,
      ref,
      head,
      redact: createRedactor(["sekrit-value-123"]),
      now: time.now,
      setTimer: time.setTimer,
    });
    expect(await placeholder.working("https://gitlab.example.com/g/app/-/jobs/78")).toBe(true);
    expect(placeholder.state).toBe("working");
    expect(puts[0]?.path).toBe("/projects/5/issues/3/notes/900");
    expect(puts[0]?.body).toContain("/-/jobs/78)");
    expect(
      await placeholder.succeed({ text: "the key is sekrit-value-123", publish: { kind: "none" } }),
    ).toBe(true);
    expect(puts[1]?.body).toContain("the key is [REDACTED]");
    expect(puts[1]?.body).not.toContain("sekrit-value-123");
    expect(placeholder.state).toBe("done");
  });

  it("edits at most once per interval, and the latest checklist wins", async () => {
    const time = fakeTime();
    const { gitlab, puts } = recordingGitLab();
    const placeholder = createPlaceholder({
      gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      progressIntervalMs: 10_000,
    });
    await placeholder.working();
    expect(puts).toHaveLength(1);

    placeholder.progress("- [ ] one");
    placeholder.progress("- [ ] two");
    await time.advance(1_000);
    expect(puts).toHaveLength(1); // the working edit was under 10 s ago
    placeholder.progress("- [ ] three");
    await time.advance(9_000);
    expect(puts).toHaveLength(2);
    expect(puts[1]?.body).toContain("- [ ] three");
    expect(puts[1]?.body).not.toContain("two");

    placeholder.progress("- [x] three");
    await time.advance(9_999);
    expect(puts).toHaveLength(2);
    await time.advance(1);
    expect(puts).toHaveLength(3);
    expect(puts[2]?.body).toContain("- [x] three");

    // Nothing pending: no edit, no timer.
    await time.advance(60_000);
    expect(puts).toHaveLength(3);
    expect(time.pending()).toBe(0);
  });

  it("flushes a pending checklist on demand", async () => {
    const time = fakeTime();
    const { gitlab, puts } = recordingGitLab();
    const placeholder = createPlaceholder({
      gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      progressIntervalMs: 10_000,
    });
    await placeholder.working();
    placeholder.progress("- [ ] pending");
    await placeholder.flush();
    expect(puts).toHaveLength(2);
    expect(puts[1]?.body).toContain("- [ ] pending");
    expect(time.pending()).toBe(0);
  });

  it("lets no progress edit land after the final one, and keeps the checklist in it", async () => {
    const time = fakeTime();
    const { gitlab, puts } = recordingGitLab();
    const placeholder = createPlaceholder({
      gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      progressIntervalMs: 10_000,
    });
    await placeholder.working();
    placeholder.progress("- [x] all done");
    const final = placeholder.fail(new Error("the agent crashed"), "Try again.");
    placeholder.progress("- [ ] too late");
    expect(await final).toBe(true);
    await time.advance(60_000);
    expect(puts).toHaveLength(2);
    expect(parsePlaceholderStatus(puts[1]?.body ?? "")).toBe("failed");
    expect(puts[1]?.body).toContain("the agent crashed");
    expect(puts[1]?.body).toContain("- [x] all done");
    expect(puts[1]?.body).not.toContain("too late");
    // A second final is ignored.
    expect(await placeholder.succeed({ text: "x", publish: { kind: "none" } })).toBe(false);
    expect(puts).toHaveLength(2);
  });

  it("waits for an edit under way before the final one", async () => {
    const time = fakeTime();
    const { gitlab, puts } = recordingGitLab();
    const placeholder = createPlaceholder({
      gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      progressIntervalMs: 0,
    });
    placeholder.progress("- [ ] in flight");
    await placeholder.succeed({ text: "ok", publish: { kind: "none" } });
    expect(puts.map((p) => parsePlaceholderStatus(p.body))).toEqual(["working", "done"]);
  });

  it("lands the final edit after a working edit still under way", async () => {
    const time = fakeTime();
    const { gitlab, puts } = recordingGitLab();
    const placeholder = createPlaceholder({
      gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
    });
    const working = placeholder.working();
    const failed = placeholder.fail("stopped by SIGTERM");
    expect(await failed).toBe(true);
    await working;
    expect(puts.map((p) => parsePlaceholderStatus(p.body))).toEqual(["working", "failed"]);
    expect(placeholder.state).toBe("failed");
  });

  it("retries a failed final edit a few times, then gives up and says so", async () => {
    const time = fakeTime();
    const waits: number[] = [];
    const serverError = new GitLabApiError({
      status: 502,
      method: "PUT",
      path: "/x",
      message: "Bad Gateway",
      kind: "http",
      attempts: 4,
    });
    const flaky = recordingGitLab({ fail: (n) => (n <= 2 ? serverError : undefined) });
    const lines: string[] = [];
    const placeholder = createPlaceholder({
      gitlab: flaky.gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      sleep: async (ms) => {
        waits.push(ms);
      },
      log: (line) => lines.push(line),
    });
    expect(await placeholder.fail("boom")).toBe(true);
    expect(waits).toEqual([1_000, 3_000]);
    expect(flaky.puts).toHaveLength(1);

    const broken = recordingGitLab({ fail: () => serverError });
    const doomed = createPlaceholder({
      gitlab: broken.gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      sleep: async () => undefined,
      log: (line) => lines.push(line),
    });
    expect(await doomed.succeed({ text: "x", publish: { kind: "none" } })).toBe(false);
    expect(broken.calls()).toBe(3);
    expect(lines.at(-1)).toContain("failed after 3 attempt(s)");

    // A refusal is not retried.
    const gone = recordingGitLab({
      fail: () =>
        new GitLabApiError({
          status: 404,
          method: "PUT",
          path: "/x",
          message: "404 Not found",
          kind: "http",
          attempts: 1,
        }),
    });
    const orphan = createPlaceholder({
      gitlab: gone.gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      sleep: async () => undefined,
    });
    expect(await orphan.fail("x")).toBe(false);
    expect(gone.calls()).toBe(1);
  });

  it("does not retry past the run's deadline", async () => {
    const time = fakeTime();
    const failing = recordingGitLab({ fail: () => new Error("socket hang up") });
    const placeholder = createPlaceholder({
      gitlab: failing.gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      sleep: async () => undefined,
      finalDeadlineAt: time.now() + 500,
    });
    expect(await placeholder.fail("x")).toBe(false);
    expect(failing.calls()).toBe(1);
  });

  it("keeps going when a progress edit fails", async () => {
    const time = fakeTime();
    const lines: string[] = [];
    const failing = recordingGitLab({ fail: (n) => (n === 1 ? new Error("network down") : undefined) });
    const placeholder = createPlaceholder({
      gitlab: failing.gitlab,
      ref,
      head,
      redact: (t) => t,
      now: time.now,
      setTimer: time.setTimer,
      log: (l) => lines.push(l),
    });
    placeholder.progress("- [ ] a");
    await time.advance(0);
    expect(lines[0]).toContain("progress edit failed: network down");
    expect(await placeholder.succeed({ text: "ok", publish: { kind: "none" } })).toBe(true);
  });
});
