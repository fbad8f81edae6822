// The runner's tool bridge over real HTTP on 127.0.0.1: who it serves, which tools it offers, how it
// checks and forwards progress, and how it checks, posts, caps and redacts inline comments. GitLab is a
// stand-in requester that records calls (the real sandbox MR is in test/integration/job-agents.test.ts).
import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { MergeRequestFacts } from "../../../../job/contracts.ts";
import type { MergeRequestFileDiff } from "../../../../job/mcp/diff-position.ts";
import { startToolBridge, type ToolBridge, type ToolBridgeOptions } from "../../../../job/mcp/tool-bridge.ts";
import type { GitLabRequester } from "../../../../shared/gitlab/client.ts";
import { GitLabApiError } from "../../../../shared/gitlab/gitlab-api-error.ts";
import type { BridgeEvent } from "../../../../shared/webhook/bridge-event.ts";

const event: BridgeEvent = {
  assistant: "claude",
  projectId: 7,
  projectPath: "group/project",
  noteableType: "MergeRequest",
  noteableIid: 3,
  noteId: 99,
  discussionId: null,
  placeholderNoteId: 100,
  authorId: 1,
  authorUsername: "dev",
  confidential: false,
};

const mergeRequest: MergeRequestFacts & { diffs: MergeRequestFileDiff[] } = {
  iid: 3,
  title: "Feature",
  webUrl: "https://gitlab.example.com/group/project/-/merge_requests/3",
  sourceBranch: "feature",
  targetBranch: "main",
  sourceProjectId: 7,
  targetProjectId: 7,
  isFork: false,
  diffRefs: { baseSha: "b".repeat(40), headSha: "h".repeat(40), startSha: "s".repeat(40) },
  changedFiles: [],
  diffs: [
    { oldPath: "src/app.txt", newPath: "src/app.txt", diff: "@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n" },
  ],
};

interface Call {
  method: string;
  path: string;
  json: unknown;
}

let bridge: ToolBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function start(overrides: Partial<ToolBridgeOptions> = {}, answer?: (call: Call) => unknown) {
  const calls: Call[] = [];
  const progress: string[] = [];
  const gitlab: GitLabRequester = {
    request: async (method, path, options) => {
      const call = { method, path, json: options?.json };
      calls.push(call);
      return (answer?.(call) ?? { id: "d1", notes: [] }) as never;
    },
  };
  bridge = await startToolBridge({
    gitlab,
    event,
    mergeRequest,
    onProgress: (markdown) => void progress.push(markdown),
    minProgressIntervalMs: 0,
    redact: (text) => text.replaceAll("s3cret-value", "[REDACTED]"),
    ...overrides,
  });
  const url = bridge.launch.env["AGENT_BRIDGE_TOOLS_URL"]!;
  const capability = bridge.launch.env["AGENT_BRIDGE_TOOLS_CAPABILITY"]!;
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-agent-bridge-capability": capability, ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { ok?: boolean; text?: string; tools?: Array<{ name: string }> },
    };
  };
  const callTool = async (tool: string, input: unknown) => (await post("/v1/call", { tool, input })).body;
  return { bridge, calls, progress, url, capability, post, callTool };
}

function rawRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string },
) {
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("job/mcp/tool-bridge: access", () => {
  it("gives the MCP server only its address and capability, on 127.0.0.1", async () => {
    const { bridge: b, url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(b.launch.env).sort()).toEqual([
      "AGENT_BRIDGE_TOOLS_CAPABILITY",
      "AGENT_BRIDGE_TOOLS_URL",
    ]);
    expect(b.launch.env["AGENT_BRIDGE_TOOLS_CAPABILITY"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.launch.command).toBe(process.execPath);
    // From the sources: the server's own small entry through tsx, not the whole CLI (the build's entry is
    // checked in test/unit/build/package-build.test.ts).
    expect(b.launch.args[0]).toMatch(/\/bin\/run-ts\.js$/);
    expect(b.launch.args[1]).toMatch(/\/entrypoints\/mcp-server\.ts$/);
  });

  it("refuses requests without the capability, for another host, or not a JSON POST", async () => {
    const { url, capability, post } = await start();
    expect((await post("/v1/tools", {}, { "x-agent-bridge-capability": "wrong" })).status).toBe(401);
    expect((await post("/v1/tools", {}, { "x-agent-bridge-capability": `${capability}x` })).status).toBe(401);
    const headers = { "x-agent-bridge-capability": capability, "content-type": "application/json" };
    expect(
      await rawRequest(`${url}/v1/tools`, {
        method: "POST",
        headers: { ...headers, host: "evil.example:80" },
        body: "{}",
      }),
    ).toBe(403);
    expect(await rawRequest(`${url}/v1/tools`, { method: "GET", headers })).toBe(405);
    expect(
      await rawRequest(`${url}/v1/tools`, {
        method: "POST",
        headers: { ...headers, "content-type": "text/plain" },
        body: "{}",
      }),
    ).toBe(415);
    expect(
      await rawRequest(`${url}/v1/call`, { method: "POST", headers, body: "x".repeat(300 * 1024) }),
    ).toBe(413);
    expect((await post("/v1/other", {})).status).toBe(404);
    expect((await post("/v1/call", { tool: "rm_rf", input: {} })).status).toBe(400);
  });

  it("offers inline comments only on a merge request that is not confidential", async () => {
    const names = (answer: { body: { tools?: Array<{ name: string }> } }) =>
      (answer.body.tools ?? []).map((tool) => tool.name);
    const onMergeRequest = await (await start()).post("/v1/tools", {});
    expect(names(onMergeRequest)).toEqual(["update_progress", "create_inline_comment"]);
    // The JSON Schema of what the agent may send, as MCP's tools/list gives it: `side` has a default.
    expect(onMergeRequest.body).toMatchObject({
      tools: [
        { inputSchema: { type: "object", required: ["checklist"] } },
        {
          description: expect.stringContaining("Post a review comment on one line"),
          inputSchema: {
            type: "object",
            properties: { side: { enum: ["new", "old"], default: "new" }, line: { type: "integer" } },
            required: ["path", "line", "body"],
          },
        },
      ],
    });
    await bridge?.close();
    const issue = await start({ event: { ...event, noteableType: "Issue" } });
    expect(names(await issue.post("/v1/tools", {}))).toEqual(["update_progress"]);
    expect(
      await issue.callTool("create_inline_comment", { path: "src/app.txt", line: 2, body: "x" }),
    ).toEqual({
      ok: false,
      text: "the tool create_inline_comment is not available in this run",
    });
    await bridge?.close();
    const internal = await start({ event: { ...event, confidential: true } });
    expect(names(await internal.post("/v1/tools", {}))).toEqual(["update_progress"]);
  });
});

describe("job/mcp/tool-bridge: update_progress", () => {
  it("checks the checklist and forwards it redacted", async () => {
    const { callTool, progress, bridge: b } = await start();
    expect(await callTool("update_progress", { checklist: "- [x] Read s3cret-value\n- [ ] Fix" })).toEqual({
      ok: true,
      text: "Progress updated.",
    });
    await sleep(10);
    expect(progress).toEqual(["- [x] Read [REDACTED]\n- [ ] Fix"]);
    expect(b.lastChecklist).toBe("- [x] Read [REDACTED]\n- [ ] Fix");
    expect(await callTool("update_progress", { checklist: "Just prose." })).toMatchObject({
      ok: false,
      text: "the checklist needs at least one task line, '- [ ] task' or '- [x] task'",
    });
    expect(await callTool("update_progress", { checklist: `- [ ] ${"x".repeat(9000)}` })).toMatchObject({
      ok: false,
      text: expect.stringContaining("keep it under 8000"),
    });
    expect(await callTool("update_progress", { list: "- [ ] a" })).toMatchObject({
      ok: false,
      text: expect.stringContaining("invalid input"),
    });
    expect(progress).toHaveLength(1);
  });

  it("delivers at most one checklist per interval, the latest one, and drops a waiting one on close", async () => {
    const { callTool, progress, bridge: b } = await start({ minProgressIntervalMs: 300 });
    await callTool("update_progress", { checklist: "- [ ] one" });
    await callTool("update_progress", { checklist: "- [ ] two" });
    await callTool("update_progress", { checklist: "- [ ] three" });
    await sleep(20);
    expect(progress).toEqual(["- [ ] one"]);
    for (let i = 0; i < 100 && progress.length < 2; i++) await sleep(20);
    expect(progress).toEqual(["- [ ] one", "- [ ] three"]);
    await callTool("update_progress", { checklist: "- [ ] four" });
    await b.close();
    await sleep(400);
    expect(progress).toEqual(["- [ ] one", "- [ ] three"]);
    expect(b.lastChecklist).toBe("- [ ] four");
  });

  it("does not fail the agent's call when the placeholder cannot be updated", async () => {
    const { callTool } = await start({ onProgress: () => Promise.reject(new Error("GitLab is down")) });
    expect(await callTool("update_progress", { checklist: "- [ ] a" })).toMatchObject({ ok: true });
  });
});

describe("job/mcp/tool-bridge: create_inline_comment", () => {
  it("posts a diff thread at the checked position, redacted and marked", async () => {
    const { callTool, calls, bridge: b } = await start({ workdir: "/work/repo" });
    const answer = await callTool("create_inline_comment", {
      path: "/work/repo/src/app.txt",
      line: 2,
      body: "Why s3cret-value?\n```suggestion:-0+0\ntwo\n```",
    });
    expect(answer).toEqual({
      ok: true,
      text: "Comment posted on src/app.txt line 2 (new side). 29 of 30 comments left.",
    });
    expect(calls).toEqual([
      {
        method: "POST",
        path: "/projects/7/merge_requests/3/discussions",
        json: {
          body: 'Why [REDACTED]?\n```suggestion:-0+0\ntwo\n```\n\n<!-- agent-bridge:review {"assistant":"claude","note":99} -->',
          position: {
            position_type: "text",
            base_sha: "b".repeat(40),
            start_sha: "s".repeat(40),
            head_sha: "h".repeat(40),
            old_path: "src/app.txt",
            new_path: "src/app.txt",
            new_line: 2,
          },
        },
      },
    ]);
    expect(b.inlineComments).toBe(1);
    await callTool("create_inline_comment", { path: "src/app.txt", line: 2, side: "old", body: "Removed?" });
    await callTool("create_inline_comment", { path: "src/app.txt", line: 3, side: "new", body: "Context." });
    expect(calls.map((c) => (c.json as { position: unknown }).position)).toMatchObject([
      { new_line: 2 },
      { old_line: 2 },
      { old_line: 3, new_line: 3 },
    ]);
    expect((calls[1]!.json as { position: object }).position).not.toHaveProperty("new_line");
  });

  it("answers a wrong position with the valid lines, without calling GitLab", async () => {
    const { callTool, calls, bridge: b } = await start();
    expect(
      await callTool("create_inline_comment", { path: "src/app.txt", line: 7, side: "new", body: "x" }),
    ).toEqual({
      ok: false,
      text:
        "Line 7 on the new side of src/app.txt is not part of the merge request's diff, so GitLab cannot anchor a " +
        "comment there. Lines the diff shows: new side 1-3; old side 1-3. Choose one of those lines, or put the " +
        "remark in your summary.",
    });
    expect(
      await callTool("create_inline_comment", { path: "src/app.txt", line: 2, body: "   " }),
    ).toMatchObject({
      ok: false,
      text: "the comment body is empty",
    });
    expect(
      await callTool("create_inline_comment", { path: "src/app.txt", line: 2.5, body: "x" }),
    ).toMatchObject({
      ok: false,
    });
    expect(calls).toEqual([]);
    expect(b.inlineComments).toBe(0);
  });

  it("caps the comments of a run and does not post the same one twice", async () => {
    const { callTool, calls, bridge: b } = await start({ maxInlineComments: 2 });
    expect(
      await callTool("create_inline_comment", { path: "src/app.txt", line: 1, body: "a" }),
    ).toMatchObject({ ok: true });
    expect(await callTool("create_inline_comment", { path: "src/app.txt", line: 1, body: "a" })).toEqual({
      ok: true,
      text: "This comment is already posted on src/app.txt line 1 (new side).",
    });
    expect(
      await callTool("create_inline_comment", { path: "src/app.txt", line: 2, body: "b" }),
    ).toMatchObject({ ok: true });
    expect(await callTool("create_inline_comment", { path: "src/app.txt", line: 3, body: "c" })).toEqual({
      ok: false,
      text: "the limit of 2 inline comments for this run is reached; put further remarks in your summary",
    });
    expect(calls).toHaveLength(2);
    expect(b.inlineComments).toBe(2);
  });

  it("passes GitLab's refusal back to the agent, redacted", async () => {
    const { callTool, bridge: b } = await start({}, (call) => {
      throw new GitLabApiError({
        status: 400,
        method: call.method,
        path: call.path,
        message: '400 Bad request - Note {:line_code=>["can\'t be blank"]} s3cret-value',
        kind: "http",
        attempts: 1,
      });
    });
    expect(await callTool("create_inline_comment", { path: "src/app.txt", line: 1, body: "a" })).toEqual({
      ok: false,
      text:
        "GitLab did not accept the comment: POST /projects/7/merge_requests/3/discussions answered 400: " +
        '400 Bad request - Note {:line_code=>["can\'t be blank"]} [REDACTED]',
    });
    expect(b.inlineComments).toBe(0);
  });
});
