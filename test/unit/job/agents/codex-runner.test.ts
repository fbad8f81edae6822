// The Codex runner's command line, config.toml and environment, and how it judges a run, with a stand-in
// executable that replays lines the real CLI printed (fixtures/). The real CLI, which also checks the
// config strictly (--strict-config), runs in test/integration/job-agents.test.ts.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  codexArgs,
  codexConfigToml,
  codexEnv,
  createCodexRunner,
  toml,
} from "../../../../job/agents/codex-runner.ts";
import type { AgentRunOptions } from "../../../../job/contracts.ts";

const mcp = {
  command: "/usr/bin/node",
  args: ["/pkg/bin/agent-bridge.js", "mcp-server"],
  env: { AGENT_BRIDGE_TOOLS_URL: "http://127.0.0.1:1", AGENT_BRIDGE_TOOLS_CAPABILITY: "cap" },
};

function options(overrides: Partial<AgentRunOptions> = {}): AgentRunOptions {
  return {
    prompt: "Fix it.",
    workdir: "/work/repo",
    homeDir: "/work/home",
    extraArgs: [],
    images: [],
    env: { OPENAI_API_KEY: "sk-key" },
    mcp,
    deadlineAt: Date.now() + 30_000,
    signal: new AbortController().signal,
    onEvent: () => undefined,
    ...overrides,
  };
}

describe("job/agents/codex-runner: command line and config", () => {
  it("runs exec in the workspace-write sandbox with CODEX.md named, images attached, prompt on stdin", () => {
    expect(codexArgs(options())).toEqual([
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--ephemeral",
      "--strict-config",
      "--sandbox",
      "workspace-write",
      "-c",
      'project_doc_fallback_filenames=["CODEX.md"]',
    ]);
    const args = codexArgs(
      options({ model: "gpt-5.5", images: ["/img/a.png", "/img/b.png"], extraArgs: ["--x"] }),
    );
    expect(args.slice(9)).toEqual(["-m", "gpt-5.5", "-i", "/img/a.png", "-i", "/img/b.png", "--x"]);
  });

  it("writes the lockdown, the system prompt and the MCP server into config.toml", () => {
    const text = codexConfigToml({
      mcp,
      systemPrompt: 'Say "hi".\nThen stop.',
      keyVariable: "OPENAI_API_KEY",
    });
    expect(text).toBe(
      [
        "check_for_update_on_startup = false",
        'approval_policy = "never"',
        'developer_instructions = "Say \\"hi\\".\\nThen stop."',
        "",
        "[sandbox_workspace_write]",
        "network_access = false",
        "",
        "[shell_environment_policy]",
        'inherit = "core"',
        "ignore_default_excludes = false",
        'exclude = ["*KEY*", "*TOKEN*", "*SECRET*", "*PASSWORD*", "*CREDENTIAL*", "AWS_*", "GOOGLE_*", "AZURE_*", "OPENAI_*", "CODEX_API_KEY"]',
        "",
        "[features]",
        "plugins = false",
        "unbounded_connection_retries = false",
        "",
        "[analytics]",
        "enabled = false",
        "",
        "[mcp_servers.agent_bridge]",
        'command = "/usr/bin/node"',
        'args = ["/pkg/bin/agent-bridge.js", "mcp-server"]',
        'env = { "AGENT_BRIDGE_TOOLS_URL" = "http://127.0.0.1:1", "AGENT_BRIDGE_TOOLS_CAPABILITY" = "cap" }',
        'default_tools_approval_mode = "approve"',
        "required = true",
        "startup_timeout_sec = 60",
        "",
      ].join("\n"),
    );
  });

  it("turns OPENAI_BASE_URL, which Codex 0.169 ignores, into a custom Responses provider", () => {
    const { env, baseUrl, keyVariable } = codexEnv(
      options({ env: { OPENAI_API_KEY: "sk-key", OPENAI_BASE_URL: "https://llm.example.com/v1" } }),
      { PATH: "/bin", GITLAB_TOKEN: "glpat-secret", CI_JOB_TOKEN: "job" },
    );
    expect(env).toEqual({
      PATH: "/bin",
      OPENAI_API_KEY: "sk-key",
      HOME: "/work/home",
      CODEX_HOME: "/work/home/.codex",
      TMPDIR: "/work/home/tmp",
    });
    expect(baseUrl).toBe("https://llm.example.com/v1");
    const text = codexConfigToml({ mcp, baseUrl, keyVariable });
    expect(text).toContain('model_provider = "agent_bridge_openai"\n');
    expect(text).toContain(
      [
        "[model_providers.agent_bridge_openai]",
        'name = "OpenAI-compatible endpoint (OPENAI_BASE_URL)"',
        'base_url = "https://llm.example.com/v1"',
        'wire_api = "responses"',
        'env_key = "OPENAI_API_KEY"',
      ].join("\n"),
    );
    expect(
      codexEnv(options({ env: { CODEX_API_KEY: "k", OPENAI_BASE_URL: "http://x/v1" } }), {}).keyVariable,
    ).toBe("CODEX_API_KEY");
    expect(codexConfigToml({ mcp, keyVariable: "OPENAI_API_KEY" })).not.toContain("model_provider");
  });

  it("writes TOML strings TOML accepts", () => {
    expect(toml('a"b\\c\nd\te')).toBe('"a\\"b\\\\c\\nd\\te"');
    expect(toml("del\x7f")).toBe('"del\\u007f"');
    expect(toml("lone \ud800 surrogate")).toBe('"lone \ufffd surrogate"');
    expect(toml("emoji 👀")).toBe('"emoji 👀"');
  });
});

describe("job/agents/codex-runner: outcome", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
    dir = "";
  });

  async function fakeCodex(fixture: string | null, exitCode: number): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), "agent-bridge-fake-codex-"));
    const lines =
      fixture === null
        ? ""
        : await readFile(fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url)), "utf8");
    const bin = join(dir, "codex");
    const script = `#!${process.execPath}
const fs = require("node:fs");
let input = "";
process.stdin.on("data", (d) => (input += d)).on("end", () => {
  fs.writeFileSync(${JSON.stringify(join(dir, "call.json"))}, JSON.stringify({ args: process.argv.slice(2), input, env: process.env }));
  process.stdout.write(${JSON.stringify(lines)});
  process.exitCode = ${exitCode};
});
`;
    await writeFile(bin, script);
    await chmod(bin, 0o755);
    return bin;
  }

  it("reports a successful run and writes a private config.toml", async () => {
    const bin = await fakeCodex("codex-success.jsonl", 0);
    const home = join(dir, "home");
    const result = await createCodexRunner({ bin, hostEnv: {} }).run(
      options({ workdir: dir, homeDir: home }),
    );
    expect(result).toMatchObject({ status: "success", finalText: "Changed three to THREE." });
    expect(result.inputTokens).toBeGreaterThan(0);
    // Steps: the completed messages, commands and file changes of the stream (reasoning is not one).
    expect(result.turns).toBe(5);
    const seen = JSON.parse(await readFile(join(dir, "call.json"), "utf8")) as {
      input: string;
      env: Record<string, string>;
    };
    expect(seen.input).toBe("Fix it.");
    expect(seen.env["CODEX_HOME"]).toBe(join(home, ".codex"));
    const config = join(home, ".codex", "config.toml");
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(await readFile(config, "utf8")).toContain("[mcp_servers.agent_bridge]");
  });

  it("reports a failed turn with the API's message", async () => {
    const bin = await fakeCodex("codex-api-error.jsonl", 1);
    const result = await createCodexRunner({ bin, hostEnv: {} }).run(
      options({ workdir: dir, homeDir: join(dir, "home") }),
    );
    expect(result).toMatchObject({ status: "error", error: "scripted failure", finalText: "" });
  });

  it("counts a run that never completed its turn as an error", async () => {
    const bin = await fakeCodex(null, 0);
    const result = await createCodexRunner({ bin, hostEnv: {} }).run(
      options({ workdir: dir, homeDir: join(dir, "home") }),
    );
    expect(result).toMatchObject({
      status: "error",
      error: "Codex exited with code 0 without completing its turn",
    });
  });
});
