// The real Claude Code CLI, driven by the scripted Anthropic server: it edits a file in a git repository,
// calls an MCP tool, and fails cleanly on a scripted API error.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startAnthropicModelServer } from "../../../sandbox/models/anthropic-server.ts";
import { claudeBin, claudeEnv, claudeScriptedModel } from "../../../sandbox/models/cli-env.ts";
import type { ModelServer } from "../../../sandbox/models/model-server.ts";
import type { Script } from "../../../sandbox/models/script.ts";
import { jsonLines, runCli } from "./run-cli.ts";
import type { CliRun } from "./run-cli.ts";
import { git, tempDir, tempGitRepo } from "./temp-git-repo.ts";
import type { TempDir } from "./temp-git-repo.ts";

const runTs = fileURLToPath(new URL("../../../bin/run-ts.js", import.meta.url));
const echoMcpServer = fileURLToPath(new URL("./echo-mcp-server.ts", import.meta.url));

describe("claude against the scripted Anthropic server", { timeout: 120_000 }, () => {
  let server: ModelServer | undefined;
  const dirs: TempDir[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const dir of dirs.splice(0)) await dir.remove();
  });

  async function runClaude(
    script: Script,
    repo: TempDir,
    extraArgs: string[],
    signal: AbortSignal,
  ): Promise<{ run: CliRun; result: Record<string, unknown> }> {
    server = await startAnthropicModelServer({ script });
    const home = await tempDir("claude-home");
    dirs.push(home);
    const args = [
      "-p",
      "Replace old with new in a.txt.",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
      "--max-turns",
      "10",
      "--model",
      claudeScriptedModel,
      ...extraArgs,
    ];
    const env = claudeEnv({ baseUrl: server.url, apiKey: "sk-ant-test", home: home.path });
    const run = await runCli(claudeBin, args, { cwd: repo.path, env, signal, timeoutMs: 90_000 });
    const result = jsonLines(run.stdout).find((line) => line["type"] === "result");
    if (result === undefined)
      throw new Error(`no result line; stderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
    return { run, result };
  }

  it("edits a file in the working tree: Read, then Edit, then a final text", async ({ signal }) => {
    const repo = await tempGitRepo({ "a.txt": "old\n" });
    dirs.push(repo);
    const file = join(repo.path, "a.txt");
    const script: Script = {
      turns: [
        [{ text: "Reading a.txt." }, { tool: "Read", input: { file_path: file } }],
        [{ tool: "Edit", input: { file_path: file, old_string: "old", new_string: "new" } }],
        [{ text: "Replaced old with new." }],
      ],
    };
    const { run, result } = await runClaude(
      script,
      repo,
      ["--allowedTools", "Read Edit Write Bash(git:*)"],
      signal,
    );

    expect(await readFile(file, "utf8")).toBe("new\n");
    expect(git(repo.path, "status", "--porcelain")).toBe(" M a.txt\n");
    expect(run.code).toBe(0);
    expect(result).toMatchObject({
      subtype: "success",
      is_error: false,
      num_turns: 3,
      result: "Replaced old with new.",
    });

    const turns = server!.requests.filter((r) => r.kind === "turn");
    expect(turns.map((r) => r.turnIndex)).toEqual([0, 1, 2]);
    expect(turns[0]!.url).toMatch(/^\/v1\/messages/);
    expect(turns[0]!.headers["x-api-key"]).toBe("sk-ant-test");
    // The Read result went back to the model: the file as it was.
    expect(JSON.stringify(turns[1]!.body)).toContain("old");
  });

  it("calls an MCP tool by its mcp__server__tool name", async ({ signal }) => {
    const repo = await tempGitRepo({ "a.txt": "old\n" });
    dirs.push(repo);
    const script: Script = {
      turns: [[{ tool: "mcp__echo__echo", input: { text: "hello" } }], [{ text: "Echoed." }]],
    };
    // alwaysLoad: Claude Code in -p mode waits for this server before its first request (without it, a
    // server still starting is "pending" and its tools are missing from the first turn).
    const mcpConfig = {
      mcpServers: { echo: { command: process.execPath, args: [runTs, echoMcpServer], alwaysLoad: true } },
    };
    const extra = ["--mcp-config", JSON.stringify(mcpConfig), "--allowedTools", "mcp__echo__echo"];
    const { result } = await runClaude(script, repo, extra, signal);

    expect(result).toMatchObject({ is_error: false, num_turns: 2, result: "Echoed." });
    const second = server!.requests.find((r) => r.kind === "turn" && r.turnIndex === 1);
    expect(JSON.stringify(second?.body)).toContain("echo: hello");
  });

  it("reports a scripted API error as an error result", async ({ signal }) => {
    const repo = await tempGitRepo({ "a.txt": "old\n" });
    dirs.push(repo);
    const script: Script = { turns: [[{ error: { status: 500, message: "scripted failure" } }]] };
    const { run, result } = await runClaude(script, repo, [], signal);

    expect(run.code).not.toBe(0);
    expect(result).toMatchObject({ is_error: true, api_error_status: 500 });
    expect(String(result["result"])).toContain("scripted failure");
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("old\n");
    // CLAUDE_CODE_MAX_RETRIES=0 (claudeEnv's default): one try only.
    expect(server!.requests.filter((r) => r.kind === "turn")).toHaveLength(1);
  });
});
