// The real Codex CLI, driven by the scripted OpenAI server: it applies a patch in a git repository under
// its workspace-write sandbox, calls an MCP tool, and fails cleanly on a scripted API error.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { codexBin, codexHome } from "../../../sandbox/models/cli-env.ts";
import type { CodexMcpServer } from "../../../sandbox/models/cli-env.ts";
import type { ModelServer } from "../../../sandbox/models/model-server.ts";
import { startOpenAIModelServer } from "../../../sandbox/models/openai-server.ts";
import type { Script } from "../../../sandbox/models/script.ts";
import { jsonLines, runCli } from "./run-cli.ts";
import type { CliRun } from "./run-cli.ts";
import { git, tempDir, tempGitRepo } from "./temp-git-repo.ts";
import type { TempDir } from "./temp-git-repo.ts";

const runTs = fileURLToPath(new URL("../../../bin/run-ts.js", import.meta.url));
const echoMcpServer = fileURLToPath(new URL("./echo-mcp-server.ts", import.meta.url));

interface Item {
  type: string;
  [key: string]: unknown;
}

describe("codex against the scripted OpenAI server", { timeout: 120_000 }, () => {
  let server: ModelServer | undefined;
  const dirs: TempDir[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const dir of dirs.splice(0)) await dir.remove();
  });

  async function runCodex(
    script: Script,
    repo: TempDir,
    signal: AbortSignal,
    mcpServers?: Record<string, CodexMcpServer>,
  ): Promise<{ run: CliRun; lines: Record<string, unknown>[] }> {
    server = await startOpenAIModelServer({ script });
    const home = await tempDir("codex-home");
    dirs.push(home);
    const codex = await codexHome({
      dir: join(home.path, ".codex"),
      baseUrl: server.url,
      apiKey: "sk-test",
      home: home.path,
      ...(mcpServers !== undefined && { mcpServers }),
    });
    const args = [
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--ephemeral",
      "--sandbox",
      "workspace-write",
      "-m",
      codex.model,
      "Replace old with new in a.txt.",
    ];
    const run = await runCli(codexBin, args, { cwd: repo.path, env: codex.env, signal, timeoutMs: 90_000 });
    return { run, lines: jsonLines(run.stdout) };
  }

  function completedItems(lines: Record<string, unknown>[]): Item[] {
    return lines.filter((line) => line["type"] === "item.completed").map((line) => line["item"] as Item);
  }

  it("applies a patch in the working tree, then ends the turn", async ({ signal }) => {
    const repo = await tempGitRepo({ "a.txt": "old\n" });
    dirs.push(repo);
    const script: Script = {
      turns: [
        [{ text: "Looking at a.txt." }, { tool: "shell", input: { cmd: "cat a.txt" } }],
        [
          {
            tool: "apply_patch",
            input: { patch: "*** Begin Patch\n*** Update File: a.txt\n@@\n-old\n+new\n*** End Patch\n" },
          },
        ],
        [{ text: "Replaced old with new." }],
      ],
    };
    const { run, lines } = await runCodex(script, repo, signal);

    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("new\n");
    expect(git(repo.path, "status", "--porcelain")).toBe(" M a.txt\n");
    expect(run.code).toBe(0);
    const items = completedItems(lines);
    expect(items).toContainEqual(
      expect.objectContaining({ type: "command_execution", aggregated_output: "old\n", exit_code: 0 }),
    );
    expect(items).toContainEqual(
      expect.objectContaining({
        type: "file_change",
        status: "completed",
        changes: [{ path: join(repo.path, "a.txt"), kind: "update" }],
      }),
    );
    expect(items.at(-1)).toMatchObject({ type: "agent_message", text: "Replaced old with new." });
    expect(lines.at(-1)).toMatchObject({
      type: "turn.completed",
      usage: { input_tokens: expect.any(Number) },
    });

    const turns = server!.requests.filter((r) => r.kind === "turn");
    expect(turns.map((r) => r.turnIndex)).toEqual([0, 1, 2]);
    expect(turns[0]!.url).toBe("/v1/responses");
    expect(turns[0]!.headers["authorization"]).toBe("Bearer sk-test");
    expect(turns[0]!.body).toMatchObject({ model: "gpt-5.5", stream: true });
    // The patch result went back to the model.
    expect(JSON.stringify(turns[2]!.body)).toContain("custom_tool_call_output");
  });

  it("calls an MCP tool named mcp__server__tool (sent as namespace + name)", async ({ signal }) => {
    const repo = await tempGitRepo({ "a.txt": "old\n" });
    dirs.push(repo);
    const script: Script = {
      turns: [[{ tool: "mcp__echo__echo", input: { text: "hello" } }], [{ text: "Echoed." }]],
    };
    const { run, lines } = await runCodex(script, repo, signal, {
      echo: { command: process.execPath, args: [runTs, echoMcpServer] },
    });

    expect(run.code).toBe(0);
    expect(completedItems(lines)).toContainEqual(
      expect.objectContaining({
        type: "mcp_tool_call",
        server: "echo",
        tool: "echo",
        status: "completed",
        result: expect.objectContaining({ content: [{ type: "text", text: "echo: hello" }] }),
      }),
    );
    const second = server!.requests.find((r) => r.kind === "turn" && r.turnIndex === 1);
    expect(JSON.stringify(second?.body)).toContain("echo: hello");
  });

  it("fails the turn on a scripted API error", async ({ signal }) => {
    const repo = await tempGitRepo({ "a.txt": "old\n" });
    dirs.push(repo);
    const script: Script = { turns: [[{ error: { status: 400, message: "scripted failure" } }]] };
    const { run, lines } = await runCodex(script, repo, signal);

    expect(run.code).not.toBe(0);
    const failed = lines.find((line) => line["type"] === "turn.failed");
    expect(JSON.stringify(failed)).toContain("scripted failure");
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("old\n");
    expect(server!.requests.filter((r) => r.kind === "turn")).toHaveLength(1);
  });
});
