// job/context/compose: the context's markdown for a huge merge request stays within the budget, the
// triggering thread and the description are served first, threads are chosen newest first and shown oldest
// first, resolved threads take one line, and everything left out is said.
import { describe, expect, it } from "vitest";
import { composeContext, type ContextParts } from "../../../../job/context/compose.ts";
import type { ContextThread } from "../../../../job/context/threads.ts";

const T0 = Date.parse("2024-05-01T10:00:00Z");

type ThreadOptions = Partial<Omit<ContextThread, "notes">> & { notes?: number; text?: string };

function thread(i: number, options: ThreadOptions = {}): ContextThread {
  const count = options.notes ?? 1;
  const notes = Array.from({ length: count }, (_, j) => ({
    id: i * 10 + j,
    author: `user${i % 17}`,
    body: options.text ?? `Note ${i}.${j}: ${"words ".repeat(20)}`,
    createdAt: new Date(T0 + (i * 10 + j) * 60_000).toISOString(),
    internal: false,
  }));
  return {
    id: `d${i}`,
    notes,
    resolvable: options.resolvable ?? false,
    resolved: options.resolved ?? false,
    resolvedBy: options.resolvedBy ?? null,
    position: options.position ?? null,
    lastActivity: T0 + (i * 10 + count - 1) * 60_000,
  };
}

function hugeParts(): ContextParts {
  const triggerThread = thread(100_000, { notes: 3, resolvable: true });
  const triggerId = triggerThread.notes[2]?.id ?? 0;
  return {
    overview: {
      kind: "merge_request",
      reference: "Merge request !7",
      title: "Make the login faster",
      facts: ['Branches: source "feature" → target "main" (same project)'],
    },
    description: "The description. ".repeat(5_000),
    trigger: {
      thread: triggerThread,
      noteId: triggerId,
      diffPosition: {
        oldPath: "src/a.ts",
        newPath: "src/a.ts",
        oldLine: null,
        newLine: 12,
        hunk: "@@ -10,3 +10,4 @@\n a\n+b\n c",
      },
    },
    pipeline: {
      id: 45,
      status: "failed",
      which: "head pipeline",
      moreFailedJobs: 3,
      failedJobs: Array.from({ length: 5 }, (_, i) => ({
        name: `test-${i}`,
        stage: "test",
        id: 900 + i,
        allowFailure: false,
        failureReason: "script_failure",
        log: Array.from({ length: 5_000 }, (_, l) => `log line ${l} ${"z".repeat(l % 40)}`).join("\n"),
      })),
    },
    changedFiles: {
      files: Array.from({ length: 1_000 }, (_, i) => ({
        oldPath: `src/file-${i}.ts`,
        newPath: `src/file-${i}.ts`,
        newFile: i % 10 === 0,
        deletedFile: false,
        renamedFile: false,
        additions: i,
        deletions: 1,
      })),
      total: "1000+",
      complete: false,
    },
    threads: [
      ...Array.from({ length: 3_000 }, (_, i) => thread(i, { notes: 1 + (i % 4) })),
      ...Array.from({ length: 200 }, (_, i) =>
        thread(5_000 + i, { resolvable: true, resolved: true, resolvedBy: "rev" }),
      ),
    ],
    threadsIncomplete: true,
    leftOut: { afterTrigger: 2, internal: 1 },
    problems: ["An image could not be downloaded."],
  };
}

describe("job/context/compose", () => {
  it("keeps a huge merge request within the budget, saying what was left out", () => {
    for (const budget of [5_000, 20_000, 60_000, 120_000]) {
      const { markdown, truncated } = composeContext(hugeParts(), budget);
      expect(markdown.length).toBeLessThanOrEqual(budget);
      expect(truncated).toBe(true);
      expect(markdown).toContain("## Merge request !7: Make the login faster");
      expect(markdown).toContain("### The thread of the request");
      expect(markdown).toContain("the request**: its text is the instruction");
    }
    const { markdown } = composeContext(hugeParts(), 60_000);
    expect(markdown).toMatch(/\(… [\d,]+ older threads with [\d,]+ notes left out\)/);
    expect(markdown).toMatch(/\(… [\d,]+\+ more files left out\)/);
    expect(markdown).toMatch(/\(… [\d,]+ more resolved threads left out\)/);
    expect(markdown).toMatch(/\(… [\d,]+ more characters left out\)/);
    expect(markdown).toContain("2 notes written or edited after the request are not shown.");
    expect(markdown).toContain("1 internal note is not shown");
  });

  it("shows sections in reading order, the request's thread last before the notices", () => {
    const { markdown } = composeContext(hugeParts(), 60_000);
    const order = [
      "## Merge request !7",
      "### Description",
      "### Changed files",
      "### Pipeline #45",
      "### Discussion (oldest first)",
      "### Resolved threads",
      "### The thread of the request",
      "### Notes on this context",
    ].map((heading) => markdown.indexOf(heading));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("serves the request's thread and the description first when the budget is small", () => {
    const parts = hugeParts();
    const { markdown } = composeContext(parts, 4_000);
    expect(markdown).toContain("### The thread of the request");
    expect(markdown).toContain("The diff around it:");
    expect(markdown).toContain("### Description");
    // No room for any other thread: only the line that says so.
    const discussion = markdown.slice(markdown.indexOf("### Discussion"), markdown.indexOf("### Resolved"));
    expect(discussion.trim()).toBe(
      "### Discussion (oldest first)\n\n(… 3,000 older threads with 7,500 notes left out)",
    );
  });

  it("chooses the newest threads and shows them oldest first", () => {
    const parts = hugeParts();
    const { markdown } = composeContext(parts, 60_000);
    const discussion = markdown.slice(markdown.indexOf("### Discussion"), markdown.indexOf("### Resolved"));
    const ids = [...discussion.matchAll(/note (\d+)/g)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(10);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // The newest thread (2999) is there; the oldest is not.
    expect(ids).toContain(29_990);
    expect(ids).not.toContain(0);
  });

  it("summarizes a resolved thread in one line", () => {
    const parts = hugeParts();
    parts.threads = [
      thread(1, {
        notes: 4,
        resolvable: true,
        resolved: true,
        resolvedBy: "maria",
        text: "Rename this\nsecond line",
        position: { oldPath: "src/a.ts", newPath: "src/a.ts", oldLine: null, newLine: 3 },
      }),
    ];
    const { markdown } = composeContext(parts, 60_000);
    expect(markdown).toContain('- `src/a.ts` line 3 · @user1: "Rename this" (4 notes, resolved by @maria)');
    expect(markdown).not.toContain("second line");
  });

  it("shows the end of each failed job's log, at most 80 lines", () => {
    const { markdown } = composeContext(hugeParts(), 120_000);
    const job = markdown.slice(markdown.indexOf("#### Job `test-0`"), markdown.indexOf("#### Job `test-1`"));
    expect(job).toContain("log line 4999");
    expect(job).toContain("log line 4920 ");
    expect(job).not.toContain("log line 4919 ");
    expect(job).toContain("(… 4,920 earlier lines left out)");
    expect(markdown).toContain("(… 3 more failed jobs left out)");
  });

  it("keeps an issue with a few notes whole", () => {
    const parts: ContextParts = {
      ...hugeParts(),
      overview: { kind: "issue", reference: "Issue #3", title: "Crash", facts: ["State: opened"] },
      description: "It crashes.",
      pipeline: null,
      changedFiles: null,
      threads: [thread(1), thread(2, { notes: 2 })],
      threadsIncomplete: false,
      leftOut: { afterTrigger: 0, internal: 0 },
      problems: [],
    };
    const { markdown, truncated } = composeContext(parts, 60_000);
    expect(truncated).toBe(false);
    expect(markdown).not.toContain("left out");
    expect(markdown).toContain("> It crashes.");
    expect(markdown).toContain("**Thread** (2 notes)");
  });
});
