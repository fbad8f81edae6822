// `agent-bridge mcp-server` as the CLIs start it (a real process on stdio), spoken to with the MCP SDK's
// client, in front of a real tool bridge: the tools it lists, calls forwarded, errors marked as errors,
// input checked, and a clear refusal when started without the bridge's variables.
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { startToolBridge, type ToolBridge } from "../../../../job/mcp/tool-bridge.ts";
import type { BridgeEvent } from "../../../../shared/webhook/bridge-event.ts";

const event: BridgeEvent = {
  assistant: "codex",
  projectId: 7,
  projectPath: "group/project",
  noteableType: "Issue",
  noteableIid: 3,
  noteId: 99,
  discussionId: null,
  placeholderNoteId: 100,
  authorId: 1,
  authorUsername: "dev",
  confidential: false,
};

let bridge: ToolBridge | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await bridge?.close();
  client = undefined;
  bridge = undefined;
});

describe("job/mcp/mcp-server (agent-bridge mcp-server)", { timeout: 30_000 }, () => {
  it("lists the bridge's tools and forwards calls", async () => {
    const progress: string[] = [];
    bridge = await startToolBridge({
      gitlab: { request: () => Promise.reject(new Error("no GitLab call expected")) },
      event,
      onProgress: (markdown) => void progress.push(markdown),
      minProgressIntervalMs: 0,
      redact: (text) => text,
    });
    const transport = new StdioClientTransport({
      command: bridge.launch.command,
      args: bridge.launch.args,
      env: { PATH: process.env["PATH"] ?? "", ...bridge.launch.env },
      stderr: "pipe",
    });
    client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["update_progress"]);
    expect(tools[0]?.inputSchema).toMatchObject({
      properties: { checklist: { type: "string" } },
      required: ["checklist"],
    });

    expect(
      await client.callTool({ name: "update_progress", arguments: { checklist: "- [ ] Plan\n- [ ] Do" } }),
    ).toEqual({
      content: [{ type: "text", text: "Progress updated." }],
      isError: false,
    });
    expect(progress).toEqual(["- [ ] Plan\n- [ ] Do"]);
    // The bridge's refusal comes back as a tool error the model can read.
    expect(await client.callTool({ name: "update_progress", arguments: { checklist: "no tasks" } })).toEqual({
      content: [
        { type: "text", text: "the checklist needs at least one task line, '- [ ] task' or '- [x] task'" },
      ],
      isError: true,
    });
    // Malformed input is refused: the bridge checks every call against the tool's schema.
    const malformed = await client.callTool({ name: "update_progress", arguments: { checklist: 42 } });
    expect(malformed.isError).toBe(true);
    expect(progress).toHaveLength(1);
  });

  it("agrees on the client's MCP revision when it knows it, else offers its newest; refuses other tools", async () => {
    bridge = await startToolBridge({
      gitlab: { request: () => Promise.reject(new Error("unused")) },
      event,
      onProgress: () => undefined,
      minProgressIntervalMs: 0,
      redact: (text) => text,
    });
    const { command, args, env } = bridge.launch;
    const child = spawn(command, args, {
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const request = (id: number, method: string, params: object) =>
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    const initialize = (protocolVersion: string) => ({
      protocolVersion,
      capabilities: {},
      clientInfo: { name: "test", version: "1" },
    });
    request(1, "initialize", initialize("2025-06-18"));
    request(2, "initialize", initialize("1999-01-01"));
    request(3, "tools/call", { name: "create_inline_comment", arguments: {} });
    request(4, "resources/list", {});
    child.stdin.end();
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    expect(await new Promise<number | null>((resolve) => child.on("close", resolve))).toBe(0);
    const answers = new Map(
      out
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { id: number })
        .map((answer) => [answer.id, answer]),
    );
    expect(answers.get(1)).toMatchObject({
      result: {
        protocolVersion: "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "agent_bridge" },
      },
    });
    expect(answers.get(2)).toMatchObject({ result: { protocolVersion: "2025-11-25" } });
    // Not offered on an issue: refused here, as the SDK's server refused a tool it did not register.
    expect(answers.get(3)).toMatchObject({ result: { isError: true } });
    expect(answers.get(4)).toMatchObject({ error: { code: -32601 } });
  });

  it("reports an unreachable runner as a tool error", async () => {
    bridge = await startToolBridge({
      gitlab: { request: () => Promise.reject(new Error("unused")) },
      event,
      onProgress: () => undefined,
      minProgressIntervalMs: 0,
      redact: (text) => text,
    });
    const transport = new StdioClientTransport({
      command: bridge.launch.command,
      args: bridge.launch.args,
      env: { PATH: process.env["PATH"] ?? "", ...bridge.launch.env },
      stderr: "pipe",
    });
    client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport);
    await bridge.close();
    const answer = await client.callTool({ name: "update_progress", arguments: { checklist: "- [ ] a" } });
    expect(answer.isError).toBe(true);
    expect(JSON.stringify(answer.content)).toContain("the agent-bridge runner did not answer");
  });

  it("exits by itself when its stdin closes (the CLI went away)", async () => {
    bridge = await startToolBridge({
      gitlab: { request: () => Promise.reject(new Error("unused")) },
      event,
      onProgress: () => undefined,
      minProgressIntervalMs: 0,
      redact: (text) => text,
    });
    const { command, args, env } = bridge.launch;
    const child = spawn(command, args, {
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    child.stdout.resume();
    // Wait for it to be serving, then hang up.
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })}\n`);
    await new Promise((resolve) => child.stdout.once("data", resolve));
    child.stdin.end();
    expect(await new Promise<number | null>((resolve) => child.on("close", resolve))).toBe(0);
  });

  it("refuses to start without the bridge's address and capability", async () => {
    const probe = await startToolBridge({
      gitlab: { request: () => Promise.reject(new Error("unused")) },
      event,
      onProgress: () => undefined,
      minProgressIntervalMs: 0,
      redact: (text) => text,
    });
    const { command, args } = probe.launch;
    await probe.close();
    const child = spawn(command, args, {
      env: { PATH: process.env["PATH"] ?? "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(
      "agent-bridge mcp-server: AGENT_BRIDGE_TOOLS_URL and AGENT_BRIDGE_TOOLS_CAPABILITY must be set",
    );
  });
});
