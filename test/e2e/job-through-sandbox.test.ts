// End to end: a note in the sandbox GitLab, its webhook to `agent-bridge serve`, a pipeline of the real CI
// components run by the sandbox's runner, `agent-bridge run` with the real Claude Code or Codex CLI answering
// a scripted model, and the outcome read back from GitLab's state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMarker, parsePlaceholderStatus } from "../../shared/placeholder/marker.ts";
import { startWorld, type World } from "./support/bridge-world.ts";

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

async function mention(path: string, body: string): Promise<number> {
  const note = await world.dev.client.ok<{ id: number }>("POST", `/projects/${world.projectId}${path}`, {
    body,
  });
  await world.served(note.id);
  return note.id;
}

async function placeholderFor(noteId: number, assistant: "claude" | "codex" = "claude"): Promise<string> {
  const state = await world.state();
  const found = state.notes.filter((n) => {
    const marker = parseMarker(n.body);
    return (
      n.author_id === world.bot.id &&
      marker?.kind === "placeholder" &&
      marker.note === noteId &&
      marker.assistant === assistant
    );
  });
  expect(found, `one ${assistant} placeholder for note ${noteId}`).toHaveLength(1);
  return found[0]!.body;
}

async function raw(path: string, ref: string): Promise<string> {
  const answer = await world.admin.call<string>(
    "GET",
    `/projects/${world.projectId}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
  );
  return answer.status === 200 ? answer.body : `(${answer.status})`;
}

/** The report artifact of the newest job of this assistant, read through the job artifacts API. */
async function report(assistant: "claude" | "codex"): Promise<Record<string, unknown>> {
  const jobs = (await world.state()).jobs.filter((j) => j.name === `agent-bridge-${assistant}`);
  const job = jobs.sort((a, b) => b.id - a.id)[0];
  expect(job, `an agent-bridge-${assistant} job`).toBeDefined();
  const answer = await world.admin.call<string>(
    "GET",
    `/projects/${world.projectId}/jobs/${job!.id}/artifacts/agent-bridge-report/agent-bridge-report.json`,
  );
  expect(answer.status, job!.trace).toBe(200);
  return JSON.parse(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)) as Record<
    string,
    unknown
  >;
}

async function jobTraces(): Promise<string> {
  return (await world.state()).jobs.map((j) => `--- ${j.name} ${j.status}\n${j.trace}`).join("\n");
}

describe("issue → merge request", { timeout: 180_000 }, () => {
  it("Claude edits the file, and the answer is a merge request that closes the issue", async () => {
    world.scenarios.set("claude-issue", {
      claude: (turn, { workdir }) =>
        [
          [{ tool: "Read", input: { file_path: `${workdir}/src/greeting.js` } }],
          [
            {
              tool: "Edit",
              input: { file_path: `${workdir}/src/greeting.js`, old_string: "old", new_string: "new" },
            },
          ],
          [{ text: "Changed the greeting from old to new." }],
        ][turn],
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Greeting is outdated",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@claude please fix the greeting [scenario:claude-issue]",
    );
    const state = await world.state();
    const mr = state.merge_requests.find((m) => m.description.includes(`Closes #${issue.iid}`));
    expect(mr, await jobTraces()).toBeDefined();
    expect(mr!.source_branch).toMatch(new RegExp(`^claude/${issue.iid}-`));
    expect(await raw("src/greeting.js", mr!.source_branch)).toContain("hello new world");
    expect(await raw("src/greeting.js", "main")).toContain("hello old world");
    const placeholder = await placeholderFor(noteId);
    expect(placeholder).toContain(`!${mr!.iid}`);
    expect(placeholder).not.toMatch(/is working on it/);
    // The job's report artifact says the same, for machines.
    const result = await report("claude");
    expect(result).toMatchObject({
      conclusion: "succeeded",
      assistant: "claude",
      trigger: {
        kind: "note",
        noteable_type: "Issue",
        noteable_iid: issue.iid,
        note_id: noteId,
        author: "dev",
      },
      branch: mr!.source_branch,
      merge_request: { iid: mr!.iid },
      answer: "Changed the greeting from old to new.",
      turns: expect.any(Number),
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    });
    expect(result["commit"]).toMatch(/^[0-9a-f]{40}$/);
    expect(result["session_id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect((result["notes_written"] as { placeholder_note_id: number }).placeholder_note_id).toBeGreaterThan(
      0,
    );
  });
});

// Helpers for merge request scenarios -------------------------------------------------------------------
interface MergeRequest {
  iid: number;
  diff_refs: { base_sha: string; head_sha: string; start_sha: string };
}

async function openMergeRequest(branch: string, files: Record<string, string>): Promise<MergeRequest> {
  await world.dev.client.ok("POST", `/projects/${world.projectId}/repository/commits`, {
    branch,
    start_branch: "main",
    commit_message: `Work on ${branch}`,
    actions: Object.entries(files).map(([file_path, content]) => ({ action: "create", file_path, content })),
  });
  return world.dev.client.ok<MergeRequest>("POST", `/projects/${world.projectId}/merge_requests`, {
    source_branch: branch,
    target_branch: "main",
    title: `Work on ${branch}`,
  });
}

async function branchHead(
  branch: string,
  projectId = world.projectId,
): Promise<{ id: string; author_name: string; message: string }> {
  const b = await world.admin.ok<{ commit: { id: string; author_name: string; message: string } }>(
    "GET",
    `/projects/${projectId}/repository/branches/${encodeURIComponent(branch)}`,
  );
  return b.commit;
}

const editTurns =
  (file: string, from: string, to: string, summary: string) =>
  (turn: number, { workdir }: { workdir: string }) =>
    [
      [{ tool: "Read", input: { file_path: `${workdir}/${file}` } }],
      [{ tool: "Edit", input: { file_path: `${workdir}/${file}`, old_string: from, new_string: to } }],
      [{ text: summary }],
    ][turn];

const patchTurns = (file: string, from: string, to: string, summary: string) => (turn: number) =>
  [
    [
      {
        tool: "apply_patch",
        input: { patch: `*** Begin Patch\n*** Update File: ${file}\n@@\n-${from}\n+${to}\n*** End Patch\n` },
      },
    ],
    [{ text: summary }],
  ][turn];

describe("issue → merge request with Codex", { timeout: 180_000 }, () => {
  it("Codex applies a patch, and the answer is a merge request on a codex/ branch", async () => {
    world.scenarios.set("codex-issue", {
      codex: patchTurns(
        "src/greeting.js",
        'export const greeting = "hello old world";',
        'export const greeting = "hello codex world";',
        "Patched the greeting.",
      ),
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Codex greeting",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@codex update the greeting [scenario:codex-issue]",
    );
    const mr = (await world.state()).merge_requests.find((m) =>
      m.description.includes(`Closes #${issue.iid}`),
    );
    expect(mr, await jobTraces()).toBeDefined();
    expect(mr!.source_branch).toMatch(new RegExp(`^codex/${issue.iid}-`));
    expect(await raw("src/greeting.js", mr!.source_branch)).toContain("hello codex world");
    const placeholder = await placeholderFor(noteId, "codex");
    expect(placeholder).toContain(`!${mr!.iid}`);
    // Steps, tokens and cost from Codex's --json stream, as Claude's result line gives them.
    expect(placeholder).toMatch(/ · \d+ turns? · [\d.,k]+ in \/ [\d.,k]+ out tokens · \$\d+\.\d+/);
    expect(await report("codex")).toMatchObject({
      conclusion: "succeeded",
      assistant: "codex",
      branch: mr!.source_branch,
      merge_request: { iid: mr!.iid },
      cost_usd: expect.any(Number),
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });
});

describe("merge request → new commits on its branch", { timeout: 180_000 }, () => {
  it("Claude, asked in a thread, commits on top of the source branch, as the bot, co-authored by the asker", async () => {
    const mr = await openMergeRequest("feature-thread", {
      "src/feature.js": "export const feature = 'draft';\n",
    });
    const before = await branchHead("feature-thread");
    const thread = await world.dev.client.ok<{ id: string }>(
      "POST",
      `/projects/${world.projectId}/merge_requests/${mr.iid}/discussions`,
      {
        body: "This still says draft.",
      },
    );
    world.scenarios.set("claude-mr-thread", {
      claude: editTurns("src/feature.js", "draft", "final", "Marked the feature final."),
    });
    const noteId = await mention(
      `/merge_requests/${mr.iid}/discussions/${thread.id}/notes`,
      "@claude make it final [scenario:claude-mr-thread]",
    );
    const after = await branchHead("feature-thread");
    expect(after.id, await jobTraces()).not.toBe(before.id);
    expect(after.author_name).toBe("agent-bridge-bot");
    expect(after.message).toContain("Co-authored-by: dev");
    expect(await raw("src/feature.js", "feature-thread")).toContain("final");
    const placeholder = (await world.state()).notes.find(
      (n) => parseMarker(n.body)?.note === noteId && n.author_id === world.bot.id,
    );
    expect(placeholder?.discussion_id).toBe(thread.id);
    expect(placeholder?.body).toContain(after.id.slice(0, 8));
  });

  it("Codex, asked in a merge request comment, commits on top of the source branch", async () => {
    const mr = await openMergeRequest("feature-codex", { "src/codex.js": "export const mode = 'slow';\n" });
    world.scenarios.set("codex-mr", {
      codex: patchTurns(
        "src/codex.js",
        "export const mode = 'slow';",
        "export const mode = 'fast';",
        "Made it fast.",
      ),
    });
    await mention(`/merge_requests/${mr.iid}/notes`, "@codex make it fast [scenario:codex-mr]");
    expect(await raw("src/codex.js", "feature-codex"), await jobTraces()).toContain("fast");
    expect((await branchHead("feature-codex")).author_name).toBe("agent-bridge-bot");
  });

  it("a diff note gets the fix at that line, with the hunk in the agent's context", async () => {
    const mr = await openMergeRequest("feature-diff", {
      "src/math.js": "export const one = 1;\nexport const two = 3;\n",
    });
    let sawHunk = false;
    world.scenarios.set("claude-diff", {
      claude: (turn, request) => {
        if (turn === 0) sawHunk = request.text.includes("export const two = 3;");
        return editTurns("src/math.js", "two = 3", "two = 2", "Fixed line 2.")(turn, request);
      },
    });
    const thread = await world.dev.client.ok<{ notes: Array<{ id: number }> }>(
      "POST",
      `/projects/${world.projectId}/merge_requests/${mr.iid}/discussions`,
      {
        body: "@claude this line is wrong [scenario:claude-diff]",
        position: {
          position_type: "text",
          ...mr.diff_refs,
          old_path: "src/math.js",
          new_path: "src/math.js",
          new_line: 2,
        },
      },
    );
    await world.served(thread.notes[0]!.id);
    expect(await raw("src/math.js", "feature-diff"), await jobTraces()).toBe(
      "export const one = 1;\nexport const two = 2;\n",
    );
    expect(sawHunk).toBe(true);
  });
});

describe("answers without changes", { timeout: 180_000 }, () => {
  it("'review this' becomes inline comments on the right lines plus a summary, and no commit", async () => {
    const mr = await openMergeRequest("feature-review", {
      "src/review.js": "const a = 1;\nvar b = 2;\nexport { a, b };\n",
    });
    const before = await branchHead("feature-review");
    world.scenarios.set("claude-review", {
      claude: (turn) =>
        [
          [
            {
              tool: "mcp__agent_bridge__create_inline_comment",
              input: {
                path: "src/review.js",
                line: 2,
                side: "new",
                body: "Prefer const:\n```suggestion:-0+0\nconst b = 2;\n```",
              },
            },
          ],
          [
            {
              tool: "mcp__agent_bridge__create_inline_comment",
              input: { path: "src/review.js", line: 40, side: "new", body: "Out of range" },
            },
          ],
          [{ text: "Review: one suggestion on line 2; otherwise fine." }],
        ][turn],
    });
    const noteId = await mention(
      `/merge_requests/${mr.iid}/notes`,
      "@claude review this [scenario:claude-review]",
    );
    const state = await world.state();
    const inline = state.notes.filter(
      (n) => n.type === "DiffNote" && n.author_id === world.bot.id && n.noteable_iid === mr.iid,
    );
    expect(inline, await jobTraces()).toHaveLength(1);
    expect(inline[0]!.position).toMatchObject({ new_path: "src/review.js", new_line: 2 });
    expect(inline[0]!.body).toContain("```suggestion");
    expect((await branchHead("feature-review")).id).toBe(before.id);
    // The refused comment is named on the placeholder: the run does not read as a plain success.
    const placeholder = await placeholderFor(noteId);
    expect(placeholder).toContain("one suggestion on line 2");
    expect(placeholder).toContain("but one review comment was not posted");
    expect(placeholder).toContain("**Inline comments posted:** 1 · **not posted:** 1");
    expect(placeholder).toMatch(
      /- src\/review\.js line 40: Line 40 on the new side of src\/review\.js is not part/,
    );
  });

  it("a question gets a reply in place and no branch", async () => {
    world.scenarios.set("claude-question", {
      claude: (turn) => [[{ text: "It exports `greeting`, a string." }]][turn],
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Question",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@claude what does greeting.js export? [scenario:claude-question]",
    );
    expect(await placeholderFor(noteId)).toContain("It exports `greeting`, a string.");
    const branches = await world.admin.ok<Array<{ name: string }>>(
      "GET",
      `/projects/${world.projectId}/repository/branches?per_page=100`,
    );
    expect(branches.map((b) => b.name).filter((n) => n.startsWith(`claude/${issue.iid}-`))).toEqual([]);
  });
});

describe("both assistants in one note", { timeout: 180_000 }, () => {
  it("makes two runs with their own placeholders and branches", async () => {
    world.scenarios.set("both", {
      claude: editTurns("src/greeting.js", "old", "claude", "Claude's take."),
      codex: patchTurns(
        "src/greeting.js",
        'export const greeting = "hello old world";',
        'export const greeting = "hello codex take";',
        "Codex's take.",
      ),
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Both",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@claude and @codex, each propose a greeting [scenario:both]",
    );
    const mrs = (await world.state()).merge_requests.filter((m) =>
      m.description.includes(`Closes #${issue.iid}`),
    );
    expect(mrs.map((m) => m.source_branch.split("/")[0]).sort(), await jobTraces()).toEqual([
      "claude",
      "codex",
    ]);
    expect(await placeholderFor(noteId, "claude")).toContain("Claude's take.");
    expect(await placeholderFor(noteId, "codex")).toContain("Codex's take.");
  });
});

describe("failures end in a clear note, never 'working'", { timeout: 180_000 }, () => {
  it("a model API error: the placeholder says the agent failed and links the job", async () => {
    world.scenarios.set("claude-fail", {
      claude: () => [{ error: { status: 400, message: "scripted failure: invalid request" } }],
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Fail",
    });
    const noteId = await mention(`/issues/${issue.iid}/notes`, "@claude do it [scenario:claude-fail]");
    const body = await placeholderFor(noteId);
    expect(body, await jobTraces()).toContain("could not finish");
    expect(body).toMatch(/\/-\/jobs\/\d+/);
    expect(parsePlaceholderStatus(body)).toBe("failed");
  });

  it("a model that hangs past the run's deadline: the CLI is stopped and the placeholder says so", async () => {
    // Project variables win over the component's own: a 6-second deadline for this one run.
    await world.admin.ok("POST", `/projects/${world.projectId}/variables`, {
      key: "AGENT_TIMEOUT_MINUTES",
      value: "0.1",
    });
    try {
      world.scenarios.set("claude-hang", { claude: () => [{ delayMs: 120_000 }] });
      const issue = await world.dev.client.ok<{ iid: number }>(
        "POST",
        `/projects/${world.projectId}/issues`,
        { title: "Hang" },
      );
      const noteId = await mention(
        `/issues/${issue.iid}/notes`,
        "@claude take your time [scenario:claude-hang]",
      );
      const body = await placeholderFor(noteId);
      expect(body, await jobTraces()).toContain("could not finish");
      expect(body).toMatch(/time limit|deadline|timed out/i);
    } finally {
      await world.admin.ok("DELETE", `/projects/${world.projectId}/variables/AGENT_TIMEOUT_MINUTES`);
    }
  });

  it("a job canceled while the agent works: after_script's finalize marks the placeholder", async () => {
    world.scenarios.set("claude-cancel", { claude: () => [{ delayMs: 120_000 }] });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Cancel",
    });
    const note = await world.dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${world.projectId}/issues/${issue.iid}/notes`,
      {
        body: "@claude start and be stopped [scenario:claude-cancel]",
      },
    );
    let job: { id: number; status: string; trace: string } | undefined;
    for (let i = 0; i < 200 && !job?.trace.includes("step: agent"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await world.state()).jobs.find((j) => j.status === "running");
    }
    expect(job, await jobTraces()).toBeDefined();
    await world.admin.ok("POST", `/projects/${world.projectId}/jobs/${job!.id}/cancel`);
    await world.sandbox.idle();
    const body = await placeholderFor(note.id);
    expect(body, await jobTraces()).not.toMatch(/is working on it/);
    expect(parsePlaceholderStatus(body)).not.toBe("working");
    expect(parsePlaceholderStatus(body)).toBe("failed");
  });

  it("GitLab answering 502 while the merge request is created: retried, and exactly one merge request", async () => {
    world.scenarios.set("claude-flaky", {
      claude: editTurns("src/greeting.js", "old", "sturdy", "Made it sturdy."),
    });
    await fetch(`${world.sandbox.url}/-/sandbox/faults`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": world.sandbox.adminToken, "content-type": "application/json" },
      body: JSON.stringify({
        method: "POST",
        path: "/merge_requests$",
        user: world.bot.username,
        status: 502,
        times: 2,
      }),
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Flaky",
    });
    await mention(`/issues/${issue.iid}/notes`, "@claude fix it [scenario:claude-flaky]");
    const mrs = (await world.state()).merge_requests.filter((m) =>
      m.description.includes(`Closes #${issue.iid}`),
    );
    expect(mrs, await jobTraces()).toHaveLength(1);
  });
});

describe("secrets", { timeout: 180_000 }, () => {
  it("a canary secret the model tries to put into a note, a commit and the merge request never reaches GitLab", async () => {
    const canary = world.bot.token; // the job's GITLAB_TOKEN: a masked CI/CD variable
    world.scenarios.set("claude-canary", {
      claude: (turn, { workdir }) =>
        [
          [{ tool: "Write", input: { file_path: `${workdir}/leak.txt`, content: `token=${canary}\n` } }],
          [{ text: `Done. For the record, the token is ${canary}.` }],
        ][turn],
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Canary",
    });
    const noteId = await mention(`/issues/${issue.iid}/notes`, "@claude leak it [scenario:claude-canary]");
    const state = await world.state();
    const published = JSON.stringify({
      notes: state.notes,
      merge_requests: state.merge_requests,
      jobs: state.jobs.map((j) => j.trace),
    });
    expect(published).not.toContain(canary);
    const branches = await world.admin.ok<Array<{ name: string }>>(
      "GET",
      `/projects/${world.projectId}/repository/branches?per_page=100`,
    );
    for (const b of branches) expect(await raw("leak.txt", b.name)).not.toContain(canary);
    expect(await placeholderFor(noteId)).toContain("could not finish");
  });
});

describe("fork merge requests", { timeout: 180_000 }, () => {
  it("get the change as a patch in the reply, and nothing is pushed to the fork", async () => {
    const fork = await world.dev.client.ok<{ id: number; path_with_namespace: string }>(
      "POST",
      `/projects/${world.projectId}/fork`,
      {},
    );
    await world.dev.client.ok("POST", `/projects/${fork.id}/repository/commits`, {
      branch: "fork-feature",
      start_branch: "main",
      commit_message: "Fork work",
      actions: [{ action: "create", file_path: "src/fork.js", content: "export const origin = 'fork';\n" }],
    });
    const before = await branchHead("fork-feature", fork.id);
    const mr = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${fork.id}/merge_requests`, {
      source_branch: "fork-feature",
      target_branch: "main",
      target_project_id: world.projectId,
      title: "From a fork",
    });
    world.scenarios.set("claude-fork", {
      claude: editTurns("src/fork.js", "'fork'", "'upstream'", "Suggested upstream."),
    });
    const noteId = await mention(
      `/merge_requests/${mr.iid}/notes`,
      "@claude adjust it [scenario:claude-fork]",
    );
    const body = await placeholderFor(noteId);
    expect(body, await jobTraces()).toContain("+export const origin = 'upstream';");
    expect((await branchHead("fork-feature", fork.id)).id).toBe(before.id);
  });
});
