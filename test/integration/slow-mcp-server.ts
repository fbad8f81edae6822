// The bridge's real MCP server, started only after a delay (argv[2], in ms): a stand-in for a server that
// starts slowly on a busy runner, to check that the CLIs wait for it instead of starting without its tools.
import { setTimeout as sleep } from "node:timers/promises";
import { runMcpServer } from "../../job/mcp/mcp-server.ts";

await sleep(Number(process.argv[2] ?? "0"));
await runMcpServer({ env: process.env });
