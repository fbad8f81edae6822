// Runs Claude Code headless for one request:
//   claude -p --output-format stream-json --verbose --permission-mode acceptEdits --allowedTools ...
//     --disallowedTools ... [--max-turns N] [--model M] [--append-system-prompt S] --mcp-config <json>
//     --strict-mcp-config --settings {"disableAllHooks":true} --no-session-persistence [--json-schema S]
//     [extra args]
// with the prompt on stdin, in the working tree, with a private HOME. Progress is parsed live from the
// stream; the result line, not the exit code, says whether the run succeeded.
//
// Secrets: the CLI gets no GitLab or CI credential at all (see agent-env.ts), no shell by default, and
// CLAUDE_CODE_SUBPROCESS_ENV_SCRUB=1 strips the model key from the commands it runs. That scrub runs Bash
// inside bubblewrap and needs `bwrap` and `socat` on the PATH: without bwrap the CLI refuses to start, and
// without socat every Bash call fails. With the scrub on, Claude Code also forces the permission mode to
// "default": only --allowedTools run, nothing is asked (acceptEdits applies when the scrub is off).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { AgentRunner, AgentRunOptions, AgentRunResult } from "../contracts.ts";
import { MCP_SERVER_NAME, mcpToolName } from "../mcp/tool-specs.ts";
import { DUMMY_MODEL_KEY } from "../box/model-proxy.ts";
import { missingBoxTools, missingBoxToolsError } from "./box-tools.ts";
import { hostBaseEnv, modelEnv, type CliRunnerOptions, type HostEnv } from "./agent-env.ts";
import { claudeInputTokens, claudeResultError, createClaudeStreamReader } from "./claude-stream.ts";
import { toolsDidNotStart } from "./event-text.ts";
import { lastErrorLine, runAgentProcess } from "./process.ts";

/**
 * Reading and editing in the working tree. No Bash at all, git included: Claude Code 2.1.197 matches
 * `Bash(git log:*)` on the command's prefix, so `git log --output=<any path>` passes, and even a deny rule
 * with wildcards (`Bash(git *--output*)`) is matched before the shell removes quotes and backslashes, so
 * `git log --outp\ut=<path>` and `git log --out''put=<path>` still write the file. A rule cannot keep
 * git's file-writing flags out, so Claude runs no git (the context lists the merge request's changed files).
 */
export const DEFAULT_CLAUDE_ALLOWED_TOOLS = ["Read", "Edit", "MultiEdit", "Write", "Glob", "Grep", "LS"];

/**
 * Denied unless the settings say otherwise: the runner commits and pushes, the job has no web to browse,
 * and nothing under /proc is read (a second line: the box gives the agent a /proc of its own). A `Read`
 * deny rule holds for Grep and Glob too, which otherwise answer match / no match on another process's
 * environment.
 */
export const DEFAULT_CLAUDE_DISALLOWED_TOOLS = [
  "Bash(git push:*)",
  "Bash(git commit:*)",
  "WebFetch",
  "WebSearch",
  "Read(//proc/**)",
];

/** The agent-bridge tools are always allowed: the run's progress and review go through them. */
const BRIDGE_TOOLS = [mcpToolName("update_progress"), mcpToolName("create_inline_comment")];

/**
 * How long Claude Code waits for the bridge's MCP server before its first model request, and how long the
 * server may take to connect at all. In `-p` mode Claude Code 2.1.197 does not wait for MCP servers by
 * default: a server still starting is "pending" in the init line and its tools are missing from the first
 * request. `alwaysLoad` on the server's entry puts it in the group Claude Code waits for, at most
 * MCP_CONNECT_TIMEOUT_MS (default 5 s, too short for a busy runner); MCP_TIMEOUT bounds the connection
 * itself (default 30 s).
 */
export const MCP_WAIT_MS = 60_000;

// Settings given on the command line outrank the repository's .claude/settings.json, whose hooks would
// otherwise run commands chosen by whoever last changed that file on the branch; the project's own settings
// (CLAUDE_SETTINGS) go under them.
const FLAG_SETTINGS = { disableAllHooks: true };

export interface ClaudeRunnerOptions extends CliRunnerOptions {
  /**
   * CLAUDE_CODE_SUBPROCESS_ENV_SCRUB (default true). Only for images where bubblewrap cannot run: without
   * it the model key is visible to every command the agent runs.
   */
  subprocessEnvScrub?: boolean;
}

export function createClaudeRunner(runnerOptions: ClaudeRunnerOptions = {}): AgentRunner {
  return {
    assistant: "claude",
    run: (options) => runClaude(runnerOptions, options),
  };
}

/** The command line (without the executable) for a run: exported for tests and for the report. */
export function claudeArgs(options: AgentRunOptions): string[] {
  const allowed = unique([...(options.allowedTools ?? DEFAULT_CLAUDE_ALLOWED_TOOLS), ...BRIDGE_TOOLS]);
  const disallowed = unique(options.disallowedTools ?? DEFAULT_CLAUDE_DISALLOWED_TOOLS);
  const mcpConfig = {
    mcpServers: {
      ...options.mcpServers,
      [MCP_SERVER_NAME]: {
        type: "stdio",
        command: options.mcp.command,
        args: options.mcp.args,
        env: options.mcp.env,
        alwaysLoad: true,
      },
    },
  };
  const args = [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
    // One argument each, comma-separated: the CLI splits on commas outside parentheses, so a rule such as
    // "Bash(git diff:*)" stays whole, and a variadic option cannot swallow what follows.
    "--allowedTools",
    allowed.join(","),
  ];
  if (disallowed.length > 0) args.push("--disallowedTools", disallowed.join(","));
  if (options.maxTurns !== undefined) args.push("--max-turns", String(options.maxTurns));
  if (options.model !== undefined && options.model !== "") args.push("--model", options.model);
  if (options.systemPrompt !== undefined && options.systemPrompt.trim() !== "") {
    args.push("--append-system-prompt", options.systemPrompt);
  }
  args.push(
    "--mcp-config",
    JSON.stringify(mcpConfig),
    // Only our MCP server: not the repository's .mcp.json, which the branch under review may have changed.
    "--strict-mcp-config",
    "--settings",
    JSON.stringify({ ...options.claudeSettings, ...FLAG_SETTINGS }),
    "--no-session-persistence",
  );
  // Claude Code then gives the model a StructuredOutput tool (always allowed) whose input is the answer.
  if (options.outputSchema !== undefined) args.push("--json-schema", JSON.stringify(options.outputSchema));
  args.push(...options.extraArgs);
  return args;
}

/** The prompt with the images named: Claude reads an image file with its Read tool. */
export function claudePrompt(options: Pick<AgentRunOptions, "prompt" | "images">): string {
  if (options.images.length === 0) return options.prompt;
  const list = options.images.map((path) => `- ${path}`).join("\n");
  return `${options.prompt}\n\nImages attached to the conversation (open them with the Read tool):\n${list}\n`;
}

/** The CLI's complete environment. */
export function claudeEnv(
  options: Pick<AgentRunOptions, "homeDir" | "env">,
  host: HostEnv,
  scrub = true,
): Record<string, string> {
  return {
    ...hostBaseEnv(host),
    ...modelEnv(options.env),
    HOME: options.homeDir,
    CLAUDE_CONFIG_DIR: join(options.homeDir, ".claude"),
    // Nothing but model calls leaves the machine: no telemetry, error reports or update checks.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    // The model key and cloud credentials are removed from the environment of every command it runs.
    CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: scrub ? "1" : "0",
    // The first model request waits for the bridge's tools (see MCP_WAIT_MS).
    MCP_CONNECT_TIMEOUT_MS: String(MCP_WAIT_MS),
    MCP_TIMEOUT: String(MCP_WAIT_MS),
  };
}

async function runClaude(runner: ClaudeRunnerOptions, options: AgentRunOptions): Promise<AgentRunResult> {
  const now = runner.now ?? Date.now;
  const started = now();
  const reader = createClaudeStreamReader((event) => options.onEvent(event), {
    requiredServer: MCP_SERVER_NAME,
  });
  const scrub = runner.subprocessEnvScrub ?? scrubNeeded(runner, options.env);
  const env = claudeEnv(options, runner.hostEnv ?? process.env, scrub);
  const missing = scrub ? missingBoxTools(env["PATH"]) : [];
  if (missing.length > 0) {
    return {
      status: "error",
      finalText: "",
      error: missingBoxToolsError(missing),
      durationMs: now() - started,
    };
  }
  let proc;
  try {
    await mkdir(join(options.homeDir, ".claude"), { recursive: true });
    const plain = {
      command: runner.bin ?? "claude",
      args: claudeArgs(options),
      cwd: options.workdir,
      env,
    };
    proc = await runAgentProcess({
      ...(runner.box ? await runner.box.launch(plain) : plain),
      stdin: claudePrompt(options),
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
      error: `could not start Claude Code (${runner.bin ?? "claude"}): ${(error as Error).message}`,
      durationMs: now() - started,
    };
  }

  const { result, texts, requiredServerDown } = reader.summary();
  const base: AgentRunResult = {
    status: "success",
    finalText: (result?.is_error === false ? result.result : undefined) ?? texts.at(-1) ?? "",
    durationMs: now() - started,
  };
  if (result?.num_turns !== undefined) base.turns = result.num_turns;
  if (result?.total_cost_usd !== undefined) base.costUsd = result.total_cost_usd;
  if (result?.session_id !== undefined) base.sessionId = result.session_id;
  if (options.outputSchema !== undefined && result?.structured_output !== undefined) {
    base.structuredOutput = result.structured_output;
  }
  if (result?.usage !== undefined) {
    base.inputTokens = claudeInputTokens(result.usage);
    base.outputTokens = result.usage.output_tokens;
  }

  if (proc.stopped === "signal") return { ...base, status: "canceled", error: "the run was canceled" };
  if (requiredServerDown !== null) {
    return { ...base, status: "error", error: toolsDidNotStart(requiredServerDown) };
  }
  // Once the result line came, the run is over whatever happened to the process afterwards.
  if (result === null && proc.stopped === "deadline") {
    return {
      ...base,
      status: "timeout",
      error: `Claude Code was stopped at the deadline after ${seconds(base.durationMs)}`,
    };
  }
  if (result === null) {
    const how = proc.signal === null ? `exited with code ${proc.code}` : `was killed by ${proc.signal}`;
    const why = lastErrorLine(proc.stderrTail);
    return { ...base, status: "error", error: `Claude Code ${how} without a result${why ? `: ${why}` : ""}` };
  }
  if (result.is_error) return { ...base, status: "error", error: claudeResultError(result) };
  return base;
}

/**
 * The env scrub hides the CLI's credentials from the commands it runs. In the agent's box with namespaces
 * (its own PID namespace and /proc) and no credential in the CLI's environment (the model proxy holds the
 * key; the CLI has a dummy), there is nothing to hide, and the scrub cannot run there: Claude Code's
 * bubblewrap cannot mount a /proc inside the box's (the kernel refuses a nested mount of a /proc with
 * covered parts) and, with the scrub on, it refuses its "weaker nested" mode, so every Bash call fails.
 */
function scrubNeeded(runner: ClaudeRunnerOptions, env: Readonly<Record<string, string>>): boolean {
  if (runner.box?.namespaces !== true) return true;
  return Object.entries(modelEnv(env)).some(
    ([name, value]) =>
      SCRUBBED_CREDENTIALS.test(name) && !NOT_CREDENTIALS.has(name) && value !== DUMMY_MODEL_KEY,
  );
}

/** Settings among those names that hold no secret (Bedrock through the proxy has only its region). */
const NOT_CREDENTIALS = new Set(["AWS_REGION", "AWS_DEFAULT_REGION"]);

/** Variables that hold a model or cloud credential (what Claude Code's scrub removes, and more). */
const SCRUBBED_CREDENTIALS =
  /^(ANTHROPIC_API_KEY|ANTHROPIC_AUTH_TOKEN|CLAUDE_CODE_OAUTH_TOKEN|ANTHROPIC_CUSTOM_HEADERS|ANTHROPIC_FOUNDRY_API_KEY|ANTHROPIC_AWS_API_KEY|ANTHROPIC_BEDROCK_MANTLE_API_KEY|AWS_.*|AZURE_.*|GOOGLE_.*|CLOUDSDK_.*)$/;

function unique(items: readonly string[]): string[] {
  return [...new Set(items.map((item) => item.trim()).filter((item) => item !== ""))];
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
