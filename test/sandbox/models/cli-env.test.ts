// The environments and config files that point the CLIs at a scripted server.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  claudeEnv,
  cleanCliEnv,
  codexConfigToml,
  codexHome,
  codexScriptedModel,
} from "../../../sandbox/models/cli-env.ts";
import { tempDir } from "./temp-git-repo.ts";
import type { TempDir } from "./temp-git-repo.ts";

describe("CLI environments", () => {
  let dir: TempDir | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  });

  it("drops the caller's own Claude, Anthropic, OpenAI and Codex settings", () => {
    process.env["ANTHROPIC_AUTH_TOKEN_FOR_TEST"] = "x";
    process.env["CLAUDECODE_FOR_TEST"] = "1";
    process.env["CODEX_THING_FOR_TEST"] = "x";
    process.env["OPENAI_ORG_FOR_TEST"] = "x";
    process.env["KEEP_ME_FOR_TEST"] = "yes";
    const env = cleanCliEnv();
    expect(env["KEEP_ME_FOR_TEST"]).toBe("yes");
    expect(Object.keys(env).filter((name) => name.endsWith("_FOR_TEST"))).toEqual(["KEEP_ME_FOR_TEST"]);
  });

  it("points Claude Code at the server with an isolated home and no retries", () => {
    const env = claudeEnv({ baseUrl: "http://127.0.0.1:1234", apiKey: "sk-ant-x", home: "/tmp/h" });
    expect(env).toMatchObject({
      HOME: "/tmp/h",
      CLAUDE_CONFIG_DIR: "/tmp/h/.claude",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:1234",
      ANTHROPIC_API_KEY: "sk-ant-x",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      CLAUDE_CODE_MAX_RETRIES: "0",
    });
    expect(env["PATH"]).toBe(process.env["PATH"]);
    expect(claudeEnv({ baseUrl: "u", home: "/h", maxRetries: 3 })["CLAUDE_CODE_MAX_RETRIES"]).toBe("3");
  });

  it("writes a Codex config with a custom provider, quiet features and approved MCP servers", async () => {
    dir = await tempDir("codex-home");
    const home = await codexHome({
      dir: join(dir.path, "codex"),
      baseUrl: "http://127.0.0.1:1234/v1",
      home: dir.path,
      mcpServers: { gitlab: { command: "node", args: ["server.js", 'a "quoted" arg'], env: { TOKEN: "t" } } },
    });
    expect(home.model).toBe(codexScriptedModel);
    expect(home.env).toMatchObject({
      CODEX_HOME: join(dir.path, "codex"),
      OPENAI_API_KEY: "sk-scripted",
      HOME: dir.path,
    });
    const toml = await readFile(home.configPath, "utf8");
    expect(toml).toBe(
      codexConfigToml({
        dir: "",
        baseUrl: "http://127.0.0.1:1234/v1",
        model: codexScriptedModel,
        mcpServers: {
          gitlab: { command: "node", args: ["server.js", 'a "quoted" arg'], env: { TOKEN: "t" } },
        },
      }),
    );
    for (const line of [
      'model = "gpt-5.5"',
      'model_provider = "scripted"',
      "[model_providers.scripted]",
      'base_url = "http://127.0.0.1:1234/v1"',
      'wire_api = "responses"',
      'env_key = "OPENAI_API_KEY"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "plugins = false",
      "unbounded_connection_retries = false",
      "[analytics]",
      "enabled = false",
      '[mcp_servers."gitlab"]',
      'args = ["server.js", "a \\"quoted\\" arg"]',
      'default_tools_approval_mode = "approve"',
      'env = { "TOKEN" = "t" }',
    ]) {
      expect(toml.split("\n")).toContain(line);
    }
  });
});
