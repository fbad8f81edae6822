// The stdio MCP server the agent's CLI starts (`agent-bridge mcp-server`). It knows only the tool bridge's
// URL and capability, from its environment, and forwards each tool call there: it never holds a GitLab
// token and makes no decision of its own, since it runs where the agent runs. Which tools it offers is the
// bridge's answer (create_inline_comment only on merge requests).
import type { Readable, Writable } from "node:stream";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  BRIDGE_CAPABILITY_ENV,
  BRIDGE_URL_ENV,
  bridgeCallAnswer,
  bridgeToolsAnswer,
  CAPABILITY_HEADER,
  createInlineCommentInput,
  MCP_SERVER_NAME,
  toolDescriptions,
  updateProgressInput,
  type BridgeCallAnswer,
  type ToolName,
} from "./tool-specs.ts";

export interface McpServerOptions {
  /** Where AGENT_BRIDGE_TOOLS_URL and AGENT_BRIDGE_TOOLS_CAPABILITY are read from. */
  env: Readonly<Record<string, string | undefined>>;
  stdin?: Readable;
  stdout?: Writable;
  fetch?: typeof fetch;
}

/** A problem a person must fix (a missing variable, an unreachable bridge): the message says which. */
export class McpServerSetupError extends Error {
  override readonly name = "McpServerSetupError";
}

/** Serves MCP on stdio until stdin ends. */
export async function runMcpServer(options: McpServerOptions): Promise<void> {
  const url = options.env[BRIDGE_URL_ENV];
  const capability = options.env[BRIDGE_CAPABILITY_ENV];
  if (!url || !capability) {
    throw new McpServerSetupError(
      `${BRIDGE_URL_ENV} and ${BRIDGE_CAPABILITY_ENV} must be set; this server is started by 'agent-bridge run' for the agent, not by hand`,
    );
  }
  const fetchFn = options.fetch ?? fetch;
  const post = async (path: string, body: unknown): Promise<unknown> => {
    const response = await fetchFn(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", [CAPABILITY_HEADER]: capability },
      body: JSON.stringify(body),
    });
    return response.json() as Promise<unknown>;
  };

  let tools: ToolName[];
  try {
    tools = bridgeToolsAnswer.parse(await post("/v1/tools", {})).tools;
  } catch (error) {
    throw new McpServerSetupError(`the tool bridge at ${url} did not answer: ${(error as Error).message}`);
  }

  const forward = async (tool: ToolName, input: unknown) => {
    let answer: BridgeCallAnswer;
    try {
      answer = bridgeCallAnswer.parse(await post("/v1/call", { tool, input }));
    } catch (error) {
      answer = { ok: false, text: `the agent-bridge runner did not answer: ${(error as Error).message}` };
    }
    return { content: [{ type: "text" as const, text: answer.text }], isError: !answer.ok };
  };

  const server = new McpServer({ name: MCP_SERVER_NAME, version: "1.0.0" });
  if (tools.includes("update_progress")) {
    server.registerTool(
      "update_progress",
      { description: toolDescriptions.update_progress, inputSchema: updateProgressInput },
      (input) => forward("update_progress", input),
    );
  }
  if (tools.includes("create_inline_comment")) {
    server.registerTool(
      "create_inline_comment",
      { description: toolDescriptions.create_inline_comment, inputSchema: createInlineCommentInput },
      (input) => forward("create_inline_comment", input),
    );
  }

  const stdin = options.stdin ?? process.stdin;
  const closed = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
  });
  await server.connect(new StdioServerTransport(stdin, options.stdout ?? process.stdout));
  await closed;
  await server.close();
}

/** The server as a process: serves until stdin ends; a setup problem is one line on stderr and exit 1. */
export async function mcpServerMain(env: McpServerOptions["env"]): Promise<number> {
  try {
    await runMcpServer({ env });
    return 0;
  } catch (error) {
    if (!(error instanceof McpServerSetupError)) throw error;
    console.error(`agent-bridge mcp-server: ${error.message}`);
    return 1;
  }
}
