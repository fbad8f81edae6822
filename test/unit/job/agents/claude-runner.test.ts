// The Claude runner's command line, environment and prompt, and how it judges a run, with a stand-in
// executable that replays lines the real CLI printed (fixtures/) and exits as the real one did. The real
// CLI itself runs in test/integration/job-agents.test.ts.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  claudeArgs,
  claudeEnv,
  claudePrompt,
  createClaudeRunner,
  DEFAULT_CLAUDE_ALLOWED_TOOLS,
} from "../../../../job/agents/claude-runner.ts";
import type { AgentEvent, AgentRunOptions } from "../../../../job/contracts.ts";

const mcp = {
  command: "/usr/bin/node",
  args: ["/pkg/bin/agent-bridge.js", "mcp-server"],
  env: { U: "http://127.0.0.1:1" },
};

function options(overrides: Partial<AgentRunOptions> = {}): AgentRunOptions {
  return {
    prompt: "Fix it.",
    workdir: "/work/repo",
    homeDir: "/work/home",
    extraArgs: [],
    images: [],
    env: { ANTHROPIC_API_KEY: "sk-ant-key" },
    mcp,
    deadlineAt: Date.now() + 30_000,
    signal: new AbortController().signal,
    onEvent: () => undefined,
    ...overrides,
  };
}

describe("job/agents/claude-runner: command line", () => {
  it("uses the defaults: read and edit, the bridge's tools; no shell, no push, no web, no /proc", () => {
    const args = claudeArgs(options());
    expect(args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
      "--allowedTools",
      "Read,Edit,MultiEdit,Write,Glob,Grep,LS," +
        "mcp__agent_bridge__update_progress,mcp__agent_bridge__create_inline_comment",
      "--disallowedTools",
      "Bash(git push:*),Bash(git commit:*),WebFetch,WebSearch,Read(//proc/**)",
      "--mcp-config",
      // alwaysLoad: the first model request waits for the bridge's tools.
      JSON.stringify({ mcpServers: { agent_bridge: { type: "stdio", ...mcp, alwaysLoad: true } } }),
      "--strict-mcp-config",
      "--settings",
      '{"disableAllHooks":true}',
      "--no-session-persistence",
    ]);
  });

  it("takes the settings' tools, limits, model, system prompt and extra arguments", () => {
    const args = claudeArgs(
      options({
        allowedTools: ["Read", " Bash(npm test:*) ", "Read"],
        disallowedTools: [],
        maxTurns: 12,
        model: "claude-opus-4-1",
        systemPrompt: "Be brief.",
        extraArgs: ["--effort", "high"],
      }),
    );
    expect(args).toContain(
      "Read,Bash(npm test:*),mcp__agent_bridge__update_progress,mcp__agent_bridge__create_inline_comment",
    );
    expect(args).not.toContain("--disallowedTools");
    expect(args.join(" ")).toContain(
      "--max-turns 12 --model claude-opus-4-1 --append-system-prompt Be brief.",
    );
    expect(args.slice(-2)).toEqual(["--effort", "high"]);
    expect(DEFAULT_CLAUDE_ALLOWED_TOOLS.some((tool) => tool.startsWith("Bash"))).toBe(false);
  });

  it("names the images in the prompt, for the Read tool", () => {
    expect(claudePrompt({ prompt: "Look.", images: [] })).toBe("Look.");
    expect(claudePrompt({ prompt: "Look.", images: ["/run/images/a.png", "/run/images/b.jpg"] })).toBe(
      "Look.\n\nImages attached to the conversation (open them with the Read tool):\n- /run/images/a.png\n- /run/images/b.jpg\n",
    );
  });
});

describe("job/agents/claude-runner: environment", () => {
  const host = {
    PATH: "/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: "/root",
    GITLAB_TOKEN: "glpat-secret",
    CI_JOB_TOKEN: "job-secret",
    CI_REGISTRY_PASSWORD: "registry-secret",
    AWS_SECRET_ACCESS_KEY: "runner-aws-secret",
    MY_PROJECT_VARIABLE: "whatever",
    HTTPS_PROXY: "http://proxy:3128",
  };

  it("passes the host's basics and the model environment, never the job's secrets", () => {
    const env = claudeEnv(
      options({
        env: { ANTHROPIC_API_KEY: "sk-ant-key", GITLAB_TOKEN: "glpat-by-mistake", CI_JOB_JWT_V2: "jwt" },
      }),
      host,
    );
    expect(env).toEqual({
      PATH: "/usr/bin:/bin",
      LANG: "C.UTF-8",
      HTTPS_PROXY: "http://proxy:3128",
      ANTHROPIC_API_KEY: "sk-ant-key",
      HOME: "/work/home",
      CLAUDE_CONFIG_DIR: "/work/home/.claude",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
      CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: "1",
      MCP_CONNECT_TIMEOUT_MS: "60000",
      MCP_TIMEOUT: "60000",
    });
  });

  it("keeps its own switches whatever the model environment says", () => {
    const env = claudeEnv(
      options({
        env: { CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: "0", HOME: "/elsewhere", CLAUDE_CODE_MAX_RETRIES: "2" },
      }),
      {},
    );
    expect(env).toMatchObject({
      CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: "1",
      HOME: "/work/home",
      CLAUDE_CODE_MAX_RETRIES: "2",
    });
    expect(env["PATH"]).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(claudeEnv(options(), {}, false)["CLAUDE_CODE_SUBPROCESS_ENV_SCRUB"]).toBe("0");
  });
});

describe("job/agents/claude-runner: outcome", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
    dir = "";
  });

  /** An executable that records its arguments and stdin, replays a fixture, writes stderr and exits. */
  async function fakeClaude(
    fixture: string | null,
    exitCode: number,
    stderr = "",
    linger = false,
  ): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), "agent-bridge-fake-claude-"));
    const lines =
      fixture === null
        ? ""
        : await readFile(fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url)), "utf8");
    const bin = join(dir, "claude");
    const script = `#!${process.execPath}
const fs = require("node:fs");
let input = "";
process.stdin.on("data", (d) => (input += d)).on("end", () => {
  fs.writeFileSync(${JSON.stringify(join(dir, "call.json"))}, JSON.stringify({ args: process.argv.slice(2), input, env: process.env, cwd: process.cwd() }));
  process.stdout.write(${JSON.stringify(lines)});
  process.stderr.write(${JSON.stringify(stderr)});
  process.exitCode = ${exitCode};
  if (${linger}) setInterval(() => {}, 1000);
});
`;
    await writeFile(bin, script);
    await chmod(bin, 0o755);
    return bin;
  }

  async function call(): Promise<{
    args: string[];
    input: string;
    env: Record<string, string>;
    cwd: string;
  }> {
    return JSON.parse(await readFile(join(dir, "call.json"), "utf8"));
  }

  it("reports a successful run: the answer, turns, cost and tokens, with live events", async () => {
    const bin = await fakeClaude("claude-success.jsonl", 0);
    const events: AgentEvent[] = [];
    const result = await createClaudeRunner({ bin, hostEnv: { PATH: process.env["PATH"] } }).run(
      options({
        workdir: dir,
        homeDir: join(dir, "home"),
        images: ["/img/a.png"],
        onEvent: (e) => events.push(e),
      }),
    );
    expect(result).toMatchObject({ status: "success", finalText: "Changed three to THREE.", turns: 5 });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(result.outputTokens).toBeGreaterThan(0);
    expect(events.length).toBe(6);
    const seen = await call();
    expect(seen.input).toBe(
      "Fix it.\n\nImages attached to the conversation (open them with the Read tool):\n- /img/a.png\n",
    );
    expect(seen.cwd).toBe(dir);
    expect(seen.env["HOME"]).toBe(join(dir, "home"));
    expect(seen.args[0]).toBe("-p");
  });

  it("judges by the result line: an API error is an error even though a result came", async () => {
    const bin = await fakeClaude("claude-api-error.jsonl", 1);
    const result = await createClaudeRunner({ bin }).run(
      options({ workdir: dir, homeDir: join(dir, "home") }),
    );
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^API Error: 500 scripted failure/);
  });

  it("ends a run whose CLI does not exit after its result, and keeps the result", async () => {
    const bin = await fakeClaude("claude-success.jsonl", 0, "", true);
    const result = await createClaudeRunner({ bin, exitGraceMs: 200 }).run(
      options({ workdir: dir, homeDir: join(dir, "home") }),
    );
    expect(result).toMatchObject({ status: "success", finalText: "Changed three to THREE." });
  });

  it("explains a run that ended without a result line", async () => {
    const bin = await fakeClaude(
      null,
      1,
      "error: bubblewrap is required for subprocess env scrubbing\n    at M7r (cli.js:1)\n",
    );
    const result = await createClaudeRunner({ bin }).run(
      options({ workdir: dir, homeDir: join(dir, "home") }),
    );
    expect(result).toMatchObject({
      status: "error",
      finalText: "",
      error:
        "Claude Code exited with code 1 without a result: error: bubblewrap is required for subprocess env scrubbing",
    });
  });

  it("reports a CLI that cannot be started", async () => {
    dir = await mkdtemp(join(tmpdir(), "agent-bridge-fake-claude-"));
    const result = await createClaudeRunner({ bin: join(dir, "missing") }).run(
      options({ workdir: dir, homeDir: join(dir, "home") }),
    );
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^could not start Claude Code \(.*missing\): .*ENOENT/);
  });
});
