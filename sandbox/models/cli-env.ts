// How to point the real CLIs at a scripted model server: the environment for Claude Code, and a
// CODEX_HOME with a config.toml for Codex. Both start from a clean copy of this process's environment.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The pinned CLIs installed as devDependencies. */
export const claudeBin = fileURLToPath(new URL("../../node_modules/.bin/claude", import.meta.url));
export const codexBin = fileURLToPath(new URL("../../node_modules/.bin/codex", import.meta.url));

/**
 * A model Codex 0.169 knows (`codex debug models`) with the classic tool set: exec_command for the
 * shell and the freeform apply_patch tool. An unknown slug gets no apply_patch; the newer slugs switch
 * to "code mode" tools that a script cannot drive as simply.
 */
export const codexScriptedModel = "gpt-5.5";

/** Any model name works for Claude Code: the server answers whatever was asked. */
export const claudeScriptedModel = "claude-sonnet-4-5";

// Variables of the caller's own agent setup that would steer a child CLI elsewhere (another endpoint,
// key, config folder, cloud provider, nested-session detection).
const steeringPrefixes = ["ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "AWS_BEARER_TOKEN_BEDROCK"];

/** This process's environment less every variable that configures Claude Code or Codex. */
export function cleanCliEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (steeringPrefixes.some((prefix) => name.toUpperCase().startsWith(prefix))) continue;
    env[name] = value;
  }
  return env;
}

export interface ClaudeEnvOptions {
  /** The Anthropic server's url, without /v1. */
  baseUrl: string;
  /** Sent as x-api-key. Default "sk-ant-scripted". */
  apiKey?: string;
  /** A temporary HOME: Claude Code keeps its config, sessions and memory under it. */
  home: string;
  /** CLAUDE_CODE_MAX_RETRIES; default 0 so a scripted API error fails the run at once. */
  maxRetries?: number;
}

/** The complete environment for `claude -p ...` against a scripted server. */
export function claudeEnv(options: ClaudeEnvOptions): Record<string, string> {
  return {
    ...cleanCliEnv(),
    HOME: options.home,
    CLAUDE_CONFIG_DIR: join(options.home, ".claude"),
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: options.apiKey ?? "sk-ant-scripted",
    // No telemetry, error reports, update checks or other side traffic: there is no network.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_MAX_RETRIES: String(options.maxRetries ?? 0),
    // How long the first request waits for MCP servers marked `alwaysLoad` (default 5 s: too short for a
    // server started through tsx on a busy machine).
    MCP_CONNECT_TIMEOUT_MS: "60000",
  };
}

/** A stdio MCP server for Codex to start; its tools are approved up front (`codex exec` cannot ask). */
export interface CodexMcpServer {
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

export interface CodexHomeOptions {
  /** The folder to use as CODEX_HOME (created if missing); config.toml is written into it. */
  dir: string;
  /** The OpenAI server's url, ending with /v1. */
  baseUrl: string;
  /** Default codexScriptedModel. */
  model?: string;
  /** Sent as the bearer token. Default "sk-scripted". */
  apiKey?: string;
  /** A temporary HOME as well, so nothing of the real user's ~/.agents or ~/.codex is read. */
  home?: string;
  /** Request and stream retries; default 0 so a scripted API error fails the run at once. */
  maxRetries?: number;
  mcpServers?: Record<string, CodexMcpServer>;
}

export interface CodexHome {
  /** The complete environment for `codex exec ...`. */
  env: Record<string, string>;
  /** Pass as `-m` (also set as the default in config.toml). */
  model: string;
  configPath: string;
}

/** Writes CODEX_HOME/config.toml for a scripted server and returns what to run Codex with. */
export async function codexHome(options: CodexHomeOptions): Promise<CodexHome> {
  const model = options.model ?? codexScriptedModel;
  await mkdir(options.dir, { recursive: true });
  // Codex refuses to create its sandbox helpers when CODEX_HOME lies under TMPDIR; a TMPDIR of its own avoids it.
  const tmp = join(options.dir, "tmp");
  await mkdir(tmp, { recursive: true });
  const configPath = join(options.dir, "config.toml");
  await writeFile(configPath, codexConfigToml({ ...options, model }));
  const env: Record<string, string> = {
    ...cleanCliEnv(),
    CODEX_HOME: options.dir,
    TMPDIR: tmp,
    OPENAI_API_KEY: options.apiKey ?? "sk-scripted",
  };
  if (options.home !== undefined) env["HOME"] = options.home;
  return { env, model, configPath };
}

/** The config.toml text: a custom Responses provider (OPENAI_BASE_URL is ignored by 0.169), quiet offline. */
export function codexConfigToml(options: CodexHomeOptions & { model: string }): string {
  const retries = options.maxRetries ?? 0;
  const lines = [
    `model = ${toml(options.model)}`,
    `model_provider = "scripted"`,
    `check_for_update_on_startup = false`,
    ``,
    `[model_providers.scripted]`,
    `name = "scripted"`,
    `base_url = ${toml(options.baseUrl)}`,
    `wire_api = "responses"`,
    `env_key = "OPENAI_API_KEY"`,
    `request_max_retries = ${retries}`,
    `stream_max_retries = ${retries}`,
    ``,
    `[features]`,
    `plugins = false`,
    `unbounded_connection_retries = false`,
    ``,
    `[analytics]`,
    `enabled = false`,
  ];
  for (const [name, server] of Object.entries(options.mcpServers ?? {})) {
    lines.push(``, `[mcp_servers.${toml(name)}]`, `command = ${toml(server.command)}`);
    if (server.args !== undefined) lines.push(`args = [${server.args.map(toml).join(", ")}]`);
    // Without it every MCP call fails: "MCP tool call requires approval, but approval policy is never".
    lines.push(`default_tools_approval_mode = "approve"`);
    // Codex waits about a second for an optional server, then starts the turn without its tools; a server
    // started through tsx on a busy machine takes longer. Required: Codex waits for it (up to the timeout).
    lines.push(`required = true`, `startup_timeout_sec = 60`);
    if (server.env !== undefined) {
      const pairs = Object.entries(server.env).map(([key, value]) => `${toml(key)} = ${toml(value)}`);
      lines.push(`env = { ${pairs.join(", ")} }`);
    }
  }
  return `${lines.join("\n")}\n`;
}

// A JSON string is a valid TOML basic string (same quotes and escapes).
function toml(value: string): string {
  return JSON.stringify(value);
}
