// The stdio MCP server the agent's CLI starts (`agent-bridge mcp-server`). It knows only the tool bridge's
// URL and capability, from its environment, and forwards each tool call there: it never holds a GitLab
// token and makes no decision of its own, since it runs where the agent runs. Which tools it offers is the
// bridge's answer (create_inline_comment only on merge requests).
//
// It speaks MCP itself (json-rpc-stdio.ts: initialize, ping, tools/list, tools/call) and imports nothing but
// Node's built-ins and bridge-wire.ts, neither the MCP SDK nor zod: started by the agent's CLI at the
// beginning of every run, it must be ready before the agent's first turn (bench/startup.ts measures it).
import { request } from "node:http";
import type { Readable, Writable } from "node:stream";
import {
  BRIDGE_CAPABILITY_ENV,
  BRIDGE_URL_ENV,
  CAPABILITY_HEADER,
  MCP_SERVER_NAME,
  readCallAnswer,
  readToolsAnswer,
  type BridgeCallAnswer,
  type ToolDefinition,
} from "./bridge-wire.ts";
import { INVALID_PARAMS, JsonRpcError, METHOD_NOT_FOUND, serveJsonRpc } from "./json-rpc-stdio.ts";

/** The MCP revisions this server speaks (they differ in nothing it uses); the newest first. */
export const PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"];

export interface McpServerOptions {
  /** Where AGENT_BRIDGE_TOOLS_URL and AGENT_BRIDGE_TOOLS_CAPABILITY are read from. */
  env: Readonly<Record<string, string | undefined>>;
  stdin?: Readable;
  stdout?: Writable;
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
  const post = (path: string, body: unknown) => postJson(`${url}${path}`, capability, body);

  let tools: ToolDefinition[];
  try {
    tools = readToolsAnswer(await post("/v1/tools", {}));
  } catch (error) {
    throw new McpServerSetupError(`the tool bridge at ${url} did not answer: ${(error as Error).message}`);
  }

  const forward = async (tool: string, input: unknown) => {
    let answer: BridgeCallAnswer;
    try {
      answer = readCallAnswer(await post("/v1/call", { tool, input }));
    } catch (error) {
      answer = { ok: false, text: `the agent-bridge runner did not answer: ${(error as Error).message}` };
    }
    return { content: [{ type: "text", text: answer.text }], isError: !answer.ok };
  };

  await serveJsonRpc({
    input: options.stdin ?? process.stdin,
    output: options.stdout ?? process.stdout,
    handle(method, params) {
      const given = (typeof params === "object" && params !== null ? params : {}) as Record<string, unknown>;
      switch (method) {
        case "initialize": {
          const asked = given["protocolVersion"];
          return {
            protocolVersion:
              typeof asked === "string" && PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name: MCP_SERVER_NAME, version: "1.0.0" },
          };
        }
        case "ping":
          return {};
        case "tools/list":
          return { tools };
        case "tools/call": {
          const name = given["name"];
          if (typeof name !== "string") throw new JsonRpcError(INVALID_PARAMS, "tools/call needs a name");
          if (!tools.some((tool) => tool.name === name)) {
            return {
              content: [{ type: "text", text: `the tool ${name} is not available in this run` }],
              isError: true,
            };
          }
          // The bridge checks the arguments against the tool's schema (it trusts nothing from here).
          return forward(name, given["arguments"] ?? {});
        }
        default:
          throw new JsonRpcError(METHOD_NOT_FOUND, `Method not found: ${method}`);
      }
    },
  });
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

/**
 * POSTs JSON to the bridge (on loopback) and reads its JSON answer. node:http and not fetch: loading fetch's
 * implementation costs this process about 20 ms of CPU at its start, a third of Node's own.
 */
function postJson(url: string, capability: string, body: unknown): Promise<unknown> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
          [CAPABILITY_HEADER]: capability,
        },
      },
      (res) => {
        let answer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (answer += chunk));
        res.on("end", () => {
          try {
            resolve(JSON.parse(answer));
          } catch {
            reject(new Error(`HTTP ${res.statusCode ?? "?"}, not JSON`));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
