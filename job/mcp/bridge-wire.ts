// What the stdio MCP server and the runner's tool bridge say to each other, and the MCP server's names: the
// environment it is started with, the capability header, the bridge's answers. It imports nothing, not even
// zod: the MCP server loads only this, its JSON-RPC loop and Node's built-ins, so that it is ready before the
// agent's first turn (bench/startup.ts). The tool bridge (the side that acts, and trusts nothing) parses
// every call with zod (tool-specs.ts); the two small answers read here are checked by hand.

/** The MCP server's name in both CLIs' configuration: tools appear as mcp__agent_bridge__<tool>. */
export const MCP_SERVER_NAME = "agent_bridge";

export const TOOL_NAMES = ["update_progress", "create_inline_comment"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The header that carries the bridge's capability. */
export const CAPABILITY_HEADER = "x-agent-bridge-capability";
/** The MCP server's environment: all it knows. */
export const BRIDGE_URL_ENV = "AGENT_BRIDGE_TOOLS_URL";
export const BRIDGE_CAPABILITY_ENV = "AGENT_BRIDGE_TOOLS_CAPABILITY";

/** A tool as MCP's tools/list names it; the bridge gives the JSON Schema (made from its zod schema). */
export interface ToolDefinition {
  name: ToolName;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** POST /v1/tools answers the tools of this run. */
export interface BridgeToolsAnswer {
  tools: ToolDefinition[];
}

/** POST /v1/call {tool, input} answers what the agent is told, and whether it is an error. */
export interface BridgeCallAnswer {
  ok: boolean;
  text: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The bridge's /v1/tools answer, or an Error saying what was wrong with it. */
export function readToolsAnswer(json: unknown): ToolDefinition[] {
  const tools = isRecord(json) ? json["tools"] : undefined;
  if (!Array.isArray(tools)) throw new Error("the answer has no tools list");
  return tools.map((tool: unknown, index) => {
    if (
      !isRecord(tool) ||
      !TOOL_NAMES.includes(tool["name"] as ToolName) ||
      typeof tool["description"] !== "string" ||
      !isRecord(tool["inputSchema"])
    ) {
      throw new Error(`tool ${index} is not {name, description, inputSchema} of a known tool`);
    }
    return {
      name: tool["name"] as ToolName,
      description: tool["description"],
      inputSchema: tool["inputSchema"],
    };
  });
}

/** The bridge's /v1/call answer, or an Error saying what was wrong with it. */
export function readCallAnswer(json: unknown): BridgeCallAnswer {
  if (!isRecord(json) || typeof json["ok"] !== "boolean" || typeof json["text"] !== "string") {
    throw new Error("the answer is not {ok, text}");
  }
  return { ok: json["ok"], text: json["text"] };
}
