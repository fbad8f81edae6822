// The agent-bridge MCP tools as the agent sees them: names, descriptions and input schemas. Shared by the
// stdio MCP server (which registers them) and the runner's tool bridge (which checks every call again with
// the same schemas before acting, since the MCP server runs where the agent runs and is not trusted).
import { z } from "zod";

/** The MCP server's name in both CLIs' configuration: tools appear as mcp__agent_bridge__<tool>. */
export const MCP_SERVER_NAME = "agent_bridge";

export const TOOL_NAMES = ["update_progress", "create_inline_comment"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The name a CLI gives an agent-bridge tool: what goes into Claude's --allowedTools. */
export function mcpToolName(tool: ToolName): string {
  return `mcp__${MCP_SERVER_NAME}__${tool}`;
}

export const MAX_CHECKLIST_CHARS = 8_000;
export const MAX_COMMENT_CHARS = 10_000;

export const updateProgressInput = {
  checklist: z
    .string()
    .describe(
      "The whole checklist as markdown, one task a line: '- [x] done task' or '- [ ] open task'. " +
        "Send the full list each time; it replaces the previous one.",
    ),
};

export const createInlineCommentInput = {
  path: z
    .string()
    .describe("The file's path from the repository root, as the merge request's diff names it."),
  line: z.number().int().describe("The line number in the file, on the chosen side."),
  side: z
    .enum(["new", "old"])
    .default("new")
    .describe(
      "'new': a line of the merge request's version (added or unchanged); " +
        "'old': a line of the target branch's version (removed or unchanged).",
    ),
  body: z
    .string()
    .describe(
      "The comment in GitLab markdown. To propose a change of the line, use a suggestion block:\n" +
        "```suggestion:-0+0\nthe replacement line\n```",
    ),
};

export const toolInputSchemas = {
  update_progress: z.object(updateProgressInput),
  create_inline_comment: z.object(createInlineCommentInput),
} satisfies Record<ToolName, z.ZodType>;

export type UpdateProgressInput = z.infer<typeof toolInputSchemas.update_progress>;
export type CreateInlineCommentInput = z.infer<typeof toolInputSchemas.create_inline_comment>;

export const toolDescriptions: Record<ToolName, string> = {
  update_progress:
    "Show your progress to the person who asked, as a checklist on the GitLab note that tracks this run. " +
    "Call it when you have a plan and whenever a task is done. Updates may be shown with a short delay.",
  create_inline_comment:
    "Post a review comment on one line of the merge request's diff in GitLab. Only lines the diff shows " +
    "can be commented (added, removed, or unchanged lines around them); a wrong line is refused with the " +
    "lines that are valid. Use it for remarks about specific lines; put the overall summary in your final answer.",
};

/** The wire format between the MCP server and the tool bridge. */
export const bridgeCallRequest = z.object({ tool: z.enum(TOOL_NAMES), input: z.unknown() });
export const bridgeCallAnswer = z.object({ ok: z.boolean(), text: z.string() });
export const bridgeToolsAnswer = z.object({ tools: z.array(z.enum(TOOL_NAMES)) });
export type BridgeCallAnswer = z.infer<typeof bridgeCallAnswer>;

/** The header that carries the bridge's capability. */
export const CAPABILITY_HEADER = "x-agent-bridge-capability";
/** The MCP server's environment: all it knows. */
export const BRIDGE_URL_ENV = "AGENT_BRIDGE_TOOLS_URL";
export const BRIDGE_CAPABILITY_ENV = "AGENT_BRIDGE_TOOLS_CAPABILITY";
