// Reads Claude Code's `--output-format stream-json` lines as they come: assistant text and tool calls become
// progress events, and the final `result` line says how the run ended (turns, cost, usage, is_error).
// Lenient on purpose: a line that is not JSON or not of a known shape is skipped, never fatal, since a
// newer CLI may add line types and fields.
import { z } from "zod";
import type { AgentEvent } from "../contracts.ts";
import { oneLine } from "./event-text.ts";
import type { LineVerdict } from "./process.ts";

const textBlock = z.looseObject({ type: z.literal("text"), text: z.string() });
const toolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  name: z.string(),
  input: z.record(z.string(), z.unknown()).catch({}),
});
const contentBlock = z.union([textBlock, toolUseBlock, z.looseObject({ type: z.string() })]);

const assistantLine = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({ content: z.array(contentBlock).catch([]) }),
  // Set inside a subagent's (Task) conversation.
  parent_tool_use_id: z.string().nullish(),
});

const initLine = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("init"),
  mcp_servers: z.array(z.looseObject({ name: z.string(), status: z.string() })).catch([]),
});

const usageSchema = z.looseObject({
  input_tokens: z.number().catch(0),
  output_tokens: z.number().catch(0),
  cache_creation_input_tokens: z.number().nullish().catch(0),
  cache_read_input_tokens: z.number().nullish().catch(0),
});

const resultLine = z.looseObject({
  type: z.literal("result"),
  subtype: z.string().catch("unknown"),
  is_error: z.boolean().catch(true),
  result: z.string().optional().catch(undefined),
  num_turns: z.number().optional().catch(undefined),
  total_cost_usd: z.number().optional().catch(undefined),
  usage: usageSchema.optional().catch(undefined),
  api_error_status: z.number().nullish().catch(null),
  errors: z.array(z.string()).optional().catch(undefined),
  session_id: z.string().optional().catch(undefined),
  // With --json-schema: the answer the StructuredOutput tool took, already checked against the schema.
  structured_output: z.unknown().optional(),
});

export type ClaudeResultLine = z.infer<typeof resultLine>;

/** What the stream said about the run once it ended. */
export interface ClaudeStreamSummary {
  /** The result line, or null when the CLI ended without one (crash, kill). */
  result: ClaudeResultLine | null;
  /** Every top-level assistant text, in order (subagents' texts left out). */
  texts: string[];
  /** Lines that were not JSON or not of a known shape. */
  skippedLines: number;
  /**
   * The required MCP server's status in the init line when it was not "connected" (for example
   * "pending" or "failed"); null when it connected or no init line came.
   */
  requiredServerDown: string | null;
}

export interface ClaudeStreamReader {
  /**
   * One stdout line; "final" once the result line has come; "abort" when the init line shows the required
   * MCP server not connected (the run would go on without the tools it was asked to use).
   */
  push(line: string): LineVerdict;
  summary(): ClaudeStreamSummary;
}

export interface ClaudeStreamOptions {
  /** An MCP server without which the run is pointless: its absence from the init line aborts the run. */
  requiredServer?: string;
}

/** A reader that calls onEvent live for each assistant text and tool call. */
export function createClaudeStreamReader(
  onEvent: (event: AgentEvent) => void,
  options: ClaudeStreamOptions = {},
): ClaudeStreamReader {
  let result: ClaudeResultLine | null = null;
  const texts: string[] = [];
  let skippedLines = 0;
  let requiredServerDown: string | null = null;

  return {
    push(line) {
      const json = parseJson(line);
      if (json === undefined) {
        skippedLines++;
        return;
      }
      const assistant = assistantLine.safeParse(json);
      if (assistant.success) {
        const nested = typeof assistant.data.parent_tool_use_id === "string";
        for (const block of assistant.data.message.content) {
          const text = textBlock.safeParse(block);
          if (text.success && text.data.text.trim() !== "") {
            if (!nested) texts.push(text.data.text);
            onEvent({ kind: "text", text: text.data.text });
            continue;
          }
          const tool = toolUseBlock.safeParse(block);
          if (tool.success) {
            onEvent({
              kind: "tool",
              text: describeClaudeTool(tool.data.name, tool.data.input),
              tool: tool.data.name,
            });
          }
        }
        return;
      }
      const init = initLine.safeParse(json);
      if (init.success) {
        // Claude Code goes on without an MCP server that failed to start: say so, it is worth knowing.
        for (const server of init.data.mcp_servers) {
          if (server.status !== "connected") {
            onEvent({
              kind: "error",
              text: `the MCP server ${server.name} did not connect (${server.status}): its tools are unavailable`,
            });
          }
        }
        if (options.requiredServer !== undefined) {
          const required = init.data.mcp_servers.find((server) => server.name === options.requiredServer);
          if (required?.status !== "connected") {
            requiredServerDown = required?.status ?? "missing";
            return "abort";
          }
        }
        return;
      }
      const parsed = resultLine.safeParse(json);
      if (parsed.success) {
        result = parsed.data;
        return "final";
      }
      // system, user (tool results), stream events and future line types: nothing to report.
      if (!isObjectWithType(json)) skippedLines++;
    },
    summary: () => ({ result, texts: [...texts], skippedLines, requiredServerDown }),
  };
}

/** Sum of every kind of input token: fresh, written to the cache and read from it. */
export function claudeInputTokens(usage: NonNullable<ClaudeResultLine["usage"]>): number {
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

/** The error a failed result line states, as a person should read it. */
export function claudeResultError(result: ClaudeResultLine): string {
  if (result.subtype === "error_max_turns") {
    const detail = result.errors?.[0];
    return `stopped at the turn limit${result.num_turns === undefined ? "" : ` after ${result.num_turns} turns`}${detail === undefined ? "" : ` (${detail})`}`;
  }
  const text = result.result?.trim() || result.errors?.join("; ") || `the run ended with "${result.subtype}"`;
  return result.api_error_status ? `${text} (HTTP ${result.api_error_status})` : text;
}

/** One short line for a tool call: the tool and the argument that says what it touches. */
export function describeClaudeTool(name: string, input: Record<string, unknown>): string {
  const pick = (key: string): string | undefined => {
    const value = input[key];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const detail =
    pick("command") ??
    pick("file_path") ??
    pick("notebook_path") ??
    pick("pattern") ??
    pick("path") ??
    pick("url");
  return detail === undefined ? name : `${name}: ${oneLine(detail)}`;
}

function parseJson(line: string): unknown {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function isObjectWithType(json: unknown): boolean {
  return typeof json === "object" && json !== null && typeof (json as { type?: unknown }).type === "string";
}
