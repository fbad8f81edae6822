// `agent-bridge mcp-server`: internal. The stdio MCP server that Claude Code or Codex starts during
// `agent-bridge run`; it forwards the agent's progress and review tools to the runner. Its environment
// (AGENT_BRIDGE_TOOLS_URL, AGENT_BRIDGE_TOOLS_CAPABILITY) comes from the runner; stdout is the MCP protocol,
// so everything else goes to stderr.
import type { Command } from "./command.ts";

const help = `Usage: agent-bridge mcp-server

Internal: the MCP server (stdio) that the agent's CLI starts during 'agent-bridge run'. It offers the tools
update_progress and, on merge requests, create_inline_comment, and forwards each call to the runner at
$AGENT_BRIDGE_TOOLS_URL with the capability in $AGENT_BRIDGE_TOOLS_CAPABILITY. Not meant to be run by hand.`;

export const mcpServerCommand: Command = {
  async run(args) {
    if (args.includes("--help") || args.includes("-h")) {
      console.error(help);
      return 0;
    }
    if (args.length > 0) {
      console.error(`agent-bridge mcp-server: takes no arguments, got "${args.join(" ")}"\n\n${help}`);
      return 2;
    }
    // Loaded here so that other commands do not pay for the MCP SDK.
    const { mcpServerMain } = await import("../../job/mcp/mcp-server.ts");
    return mcpServerMain(process.env);
  },
};
