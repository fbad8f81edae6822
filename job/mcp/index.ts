// The agent-bridge MCP tools: the runner-side bridge (holds the GitLab client) and the stdio MCP server
// the agent's CLI starts (holds nothing but the bridge's address and capability).
export { checkPosition, parseDiffLines, type MergeRequestFileDiff } from "./diff-position.ts";
export { McpServerSetupError, runMcpServer, type McpServerOptions } from "./mcp-server.ts";
export {
  DEFAULT_MAX_INLINE_COMMENTS,
  defaultMcpServerCommand,
  startToolBridge,
  type ToolBridge,
  type ToolBridgeOptions,
} from "./tool-bridge.ts";
export { MCP_SERVER_NAME, mcpToolName, TOOL_NAMES, type ToolName } from "./tool-specs.ts";
