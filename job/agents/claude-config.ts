// The project's Claude Code settings and MCP servers (CLAUDE_SETTINGS, CLAUDE_MCP_CONFIG): JSON given in the
// CI settings, or a file of the repository read from the base branch, never from the branch under work, so
// a merge request cannot give its own run new permissions, environment or servers. What is read is checked
// to be a JSON object; the runner then puts its own keys over it (disableAllHooks, the agent_bridge server).
//
//   const config = await claudeProjectConfig({ settings: "ci/claude.json", workdir, baseRef: "refs/remotes/origin/main" });
import { z } from "zod";
import { readBaseFile } from "../rules-files.ts";

export interface ClaudeProjectConfig {
  settings?: Record<string, unknown>;
  mcpServers?: Record<string, unknown>;
}

export interface ClaudeProjectConfigInput {
  /** CLAUDE_SETTINGS: JSON text or a repository path. */
  settings: string | undefined;
  /** CLAUDE_MCP_CONFIG: JSON text or a repository path. */
  mcpConfig: string | undefined;
  workdir: string;
  /** The base branch as the checkout knows it, e.g. refs/remotes/origin/main. */
  baseRef: string;
}

const JsonObject = z.record(z.string(), z.unknown());
const McpConfig = z.object({ mcpServers: z.record(z.string(), JsonObject) });

export class ClaudeConfigError extends Error {
  override readonly name = "ClaudeConfigError";
}

export async function claudeProjectConfig(input: ClaudeProjectConfigInput): Promise<ClaudeProjectConfig> {
  const config: ClaudeProjectConfig = {};
  if (input.settings !== undefined) {
    const text = await textOf(input.settings, "CLAUDE_SETTINGS", input);
    config.settings = parse(text, JsonObject, "CLAUDE_SETTINGS", "a JSON object of Claude Code settings");
  }
  if (input.mcpConfig !== undefined) {
    const text = await textOf(input.mcpConfig, "CLAUDE_MCP_CONFIG", input);
    config.mcpServers = parse(
      text,
      McpConfig,
      "CLAUDE_MCP_CONFIG",
      'a JSON object {"mcpServers": {...}}',
    ).mcpServers;
  }
  return config;
}

async function textOf(value: string, variable: string, input: ClaudeProjectConfigInput): Promise<string> {
  if (value.startsWith("{")) return value;
  const text = await readBaseFile(input.workdir, input.baseRef, value);
  if (text === null) {
    throw new ClaudeConfigError(
      `${variable} names ${value}, which the base branch (${input.baseRef.replace(/^refs\/remotes\/origin\//, "")}) does not have: commit it there, or give the JSON itself.`,
    );
  }
  return text;
}

function parse<S extends z.ZodType>(text: string, schema: S, variable: string, expected: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ClaudeConfigError(`${variable} is not valid JSON: expected ${expected}.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ClaudeConfigError(`${variable} is not ${expected}.`);
  return parsed.data;
}
