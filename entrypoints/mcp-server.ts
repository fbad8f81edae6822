// The MCP server's own process entry, what the agent's CLI starts during `agent-bridge run` (see
// defaultMcpServerCommand): built, dist/mcp-server.js; from the sources, `node bin/run-ts.js entrypoints/mcp-server.ts`.
// It must import nothing but mcp-server.ts, so that the server is ready before the agent's first turn
// (the CLI's commands, the job and the sandbox are never loaded here).
import { mcpServerMain } from "../job/mcp/mcp-server.ts";

process.exitCode = await mcpServerMain(process.env);
