// Runs the Codex CLI headless for one request:
//   codex exec --json --skip-git-repo-check --ephemeral --strict-config --sandbox workspace-write
//     -c project_doc_fallback_filenames=["CODEX.md"] [-m MODEL] [-i IMAGE ...] [--output-schema FILE]
//     [extra args]
// with the prompt on stdin, in the working tree, and a private CODEX_HOME whose config.toml holds the
// agent-bridge MCP server, the system prompt (developer_instructions), a custom model provider when
// OPENAI_BASE_URL is set (Codex 0.169 ignores that variable), and the lockdown: no network in the sandbox,
// a shell environment of core variables only (no keys, tokens or secrets), no analytics or update checks,
// and a TMPDIR of its own under the run's home.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentRunner, AgentRunOptions, AgentRunResult, McpLaunch } from "../contracts.ts";
import { MCP_SERVER_NAME } from "../mcp/tool-specs.ts";
import { hostBaseEnv, modelEnv, type CliRunnerOptions, type HostEnv } from "./agent-env.ts";
import { createCodexStreamReader } from "./codex-stream.ts";
import { toolsDidNotStart } from "./event-text.ts";
import { lastErrorLine, runAgentProcess } from "./process.ts";

/** The provider id used when OPENAI_BASE_URL asks for another endpoint. */
export const CUSTOM_PROVIDER_ID = "agent_bridge_openai";

// Name patterns no command of the agent may see, on top of inherit = "core" (which already keeps only
// HOME, PATH, SHELL, USER, TMPDIR and the like): belt and braces should a later Codex widen "core".
const SHELL_EXCLUDES = [
  "*KEY*",
  "*TOKEN*",
  "*SECRET*",
  "*PASSWORD*",
  "*CREDENTIAL*",
  "AWS_*",
  "GOOGLE_*",
  "AZURE_*",
  "OPENAI_*",
  "CODEX_API_KEY",
];

/** How long Codex may take to start the bridge's MCP server before it gives up (it is required). */
export const MCP_WAIT_MS = 60_000;

// What Codex 0.169 writes to stderr when a required MCP server did not come up (it then exits 1).
const REQUIRED_SERVER_FAILED = new RegExp(
  `required MCP servers failed to initialize:[^\\n]*\\b${MCP_SERVER_NAME}\\b`,
);

export type CodexRunnerOptions = CliRunnerOptions;

export function createCodexRunner(runnerOptions: CodexRunnerOptions = {}): AgentRunner {
  return {
    assistant: "codex",
    run: (options) => runCodex(runnerOptions, options),
  };
}

/** The command line (without the executable); the prompt goes to stdin. */
export function codexArgs(
  options: Pick<AgentRunOptions, "model" | "images" | "extraArgs" | "sandboxMode" | "reasoningEffort">,
  /** Where the run's output schema was written (AGENT_OUTPUT_SCHEMA), if it has one. */
  outputSchemaFile?: string,
): string[] {
  const args = [
    "exec",
    "--json",
    "--skip-git-repo-check",
    "--ephemeral",
    // An unknown field in config.toml is an error, not ignored: a renamed lockdown setting must not
    // silently stop applying.
    "--strict-config",
    "--sandbox",
    options.sandboxMode ?? "workspace-write",
    // Codex reads AGENTS.md on its own; CODEX.md only when named, and only where AGENTS.md is absent:
    // rules-files.ts sets AGENTS.md aside for the run when the base branch has CODEX.md.
    "-c",
    'project_doc_fallback_filenames=["CODEX.md"]',
  ];
  if (options.model !== undefined && options.model !== "") args.push("-m", options.model);
  if (options.reasoningEffort !== undefined)
    args.push("-c", `model_reasoning_effort=${toml(options.reasoningEffort)}`);
  for (const image of options.images) args.push("-i", image);
  if (outputSchemaFile !== undefined) args.push("--output-schema", outputSchemaFile);
  args.push(...options.extraArgs);
  return args;
}

export interface CodexConfigInput {
  mcp: McpLaunch;
  systemPrompt?: string | undefined;
  /** OPENAI_BASE_URL of the model environment, if any. */
  baseUrl?: string | undefined;
  /** The variable that holds the key for the custom provider. */
  keyVariable: string;
}

/** The text of $CODEX_HOME/config.toml. */
export function codexConfigToml(input: CodexConfigInput): string {
  const lines = [`check_for_update_on_startup = false`, `approval_policy = "never"`];
  if (input.systemPrompt !== undefined && input.systemPrompt.trim() !== "") {
    lines.push(`developer_instructions = ${toml(input.systemPrompt)}`);
  }
  if (input.baseUrl !== undefined) lines.push(`model_provider = ${toml(CUSTOM_PROVIDER_ID)}`);
  lines.push(
    ``,
    `[sandbox_workspace_write]`,
    `network_access = false`,
    ``,
    `[shell_environment_policy]`,
    `inherit = "core"`,
    `ignore_default_excludes = false`,
    `exclude = [${SHELL_EXCLUDES.map(toml).join(", ")}]`,
    ``,
    `[features]`,
    `plugins = false`,
    `unbounded_connection_retries = false`,
    ``,
    `[analytics]`,
    `enabled = false`,
  );
  if (input.baseUrl !== undefined) {
    lines.push(
      ``,
      `[model_providers.${CUSTOM_PROVIDER_ID}]`,
      `name = "OpenAI-compatible endpoint (OPENAI_BASE_URL)"`,
      `base_url = ${toml(input.baseUrl)}`,
      `wire_api = "responses"`,
      `env_key = ${toml(input.keyVariable)}`,
    );
  }
  const env = Object.entries(input.mcp.env).map(([key, value]) => `${toml(key)} = ${toml(value)}`);
  lines.push(
    ``,
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `command = ${toml(input.mcp.command)}`,
    `args = [${input.mcp.args.map(toml).join(", ")}]`,
    `env = { ${env.join(", ")} }`,
    // `codex exec` cannot ask anyone: without it every MCP call fails for want of an approval.
    `default_tools_approval_mode = "approve"`,
    // Codex waits about a second for optional MCP servers, then starts without them (a tool called
    // early is an "unsupported call"). Required: it waits for this one, and fails if it cannot start.
    `required = true`,
    `startup_timeout_sec = ${Math.round(MCP_WAIT_MS / 1000)}`,
  );
  return `${lines.join("\n")}\n`;
}

/** The CLI's environment, and what config.toml needs to know of the model environment. */
export function codexEnv(
  options: Pick<AgentRunOptions, "homeDir" | "env">,
  host: HostEnv,
): { env: Record<string, string>; baseUrl: string | undefined; keyVariable: string } {
  const model = modelEnv(options.env);
  const baseUrl = model["OPENAI_BASE_URL"]?.trim() || undefined;
  delete model["OPENAI_BASE_URL"];
  const keyVariable =
    model["OPENAI_API_KEY"] === undefined && model["CODEX_API_KEY"] !== undefined
      ? "CODEX_API_KEY"
      : "OPENAI_API_KEY";
  const env = {
    ...hostBaseEnv(host),
    ...model,
    HOME: options.homeDir,
    CODEX_HOME: join(options.homeDir, ".codex"),
    // Codex refuses to create its helper aliases (codex-linux-sandbox, apply_patch) when CODEX_HOME lies
    // under the temporary directory, and then, with a system bubblewrap, every sandboxed command fails
    // ("bwrap: execvp codex-linux-sandbox"). A run's home usually is under /tmp: give Codex its own.
    TMPDIR: join(options.homeDir, "tmp"),
  };
  return { env, baseUrl, keyVariable };
}

async function runCodex(runner: CodexRunnerOptions, options: AgentRunOptions): Promise<AgentRunResult> {
  const now = runner.now ?? Date.now;
  const started = now();
  const reader = createCodexStreamReader((event) => options.onEvent(event));
  const { env, baseUrl, keyVariable } = codexEnv(options, runner.hostEnv ?? process.env);
  const codexHome = join(options.homeDir, ".codex");
  // Outside the working tree: the agent cannot change the schema its answer is held to.
  const schemaFile =
    options.outputSchema !== undefined ? join(options.homeDir, "output-schema.json") : undefined;

  let proc;
  try {
    await mkdir(codexHome, { recursive: true });
    await mkdir(env["TMPDIR"] as string, { recursive: true });
    await writeFile(
      join(codexHome, "config.toml"),
      codexConfigToml({ mcp: options.mcp, systemPrompt: options.systemPrompt, baseUrl, keyVariable }),
      { mode: 0o600 },
    );
    if (schemaFile !== undefined) {
      await writeFile(schemaFile, JSON.stringify(options.outputSchema), { mode: 0o600 });
    }
    const plain = {
      command: runner.bin ?? "codex",
      args: codexArgs(options, schemaFile),
      cwd: options.workdir,
      env,
    };
    proc = await runAgentProcess({
      ...(runner.box ? await runner.box.launch(plain) : plain),
      stdin: options.prompt,
      deadlineAt: options.deadlineAt,
      signal: options.signal,
      ...(runner.killGraceMs !== undefined && { killGraceMs: runner.killGraceMs }),
      ...(runner.exitGraceMs !== undefined && { exitGraceMs: runner.exitGraceMs }),
      onLine: (line) => reader.push(line),
      now,
    });
  } catch (error) {
    return {
      status: "error",
      finalText: "",
      error: `could not start Codex (${runner.bin ?? "codex"}): ${(error as Error).message}`,
      durationMs: now() - started,
    };
  }

  const summary = reader.summary();
  const base: AgentRunResult = {
    status: "success",
    finalText: summary.messages.at(-1) ?? "",
    durationMs: now() - started,
  };
  if (summary.turnsCompleted > 0) {
    base.inputTokens = summary.inputTokens;
    base.cachedInputTokens = summary.cachedInputTokens;
    base.outputTokens = summary.outputTokens;
  }
  if (summary.steps > 0) base.turns = summary.steps;
  if (summary.threadId !== null) base.sessionId = summary.threadId;
  if (options.outputSchema !== undefined) {
    const structured = parseJson(base.finalText);
    if (structured !== undefined) base.structuredOutput = structured;
  }

  if (proc.stopped === "signal") return { ...base, status: "canceled", error: "the run was canceled" };
  if (summary.failure !== null) return { ...base, status: "error", error: summary.failure };
  // Once the turn completed, the run is over whatever happened to the process afterwards.
  if (summary.turnsCompleted > 0 && (proc.code === 0 || proc.stopped !== null)) return base;
  if (proc.stopped === "deadline") {
    return {
      ...base,
      status: "timeout",
      error: `Codex was stopped at the deadline after ${seconds(base.durationMs)}`,
    };
  }
  if (REQUIRED_SERVER_FAILED.test(proc.stderrTail)) {
    return { ...base, status: "error", error: toolsDidNotStart("failed to initialize") };
  }
  const how = proc.signal === null ? `exited with code ${proc.code}` : `was killed by ${proc.signal}`;
  const why = summary.lastError ?? lastErrorLine(proc.stderrTail);
  return {
    ...base,
    status: "error",
    error: `Codex ${how} without completing its turn${why ? `: ${why}` : ""}`,
  };
}

/**
 * A TOML basic string. JSON's quoting is TOML's, except that TOML also forbids a raw DEL and has no escape
 * for a lone surrogate (https://toml.io/en/v1.0.0#string).
 */
export function toml(value: string): string {
  const wellFormed = value.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD",
  );
  return JSON.stringify(wellFormed).replaceAll("\x7f", "\\u007f");
}

/** The final message as JSON (with --output-schema the model answers with the JSON alone); else undefined. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
