// The agent-bridge MCP tools as the agent sees them: names, descriptions and input schemas. Shared by the
// stdio MCP server (which registers them) and the runner's tool bridge (which checks every call again with
// the same schemas before acting, since the MCP server runs where the agent runs and is not trusted). The
// MCP server itself never loads this file (nor zod): the bridge hands it the tools' JSON Schemas.
import { z } from "zod";
import { MCP_SERVER_NAME, TOOL_NAMES, type ToolDefinition, type ToolName } from "./bridge-wire.ts";

export {
  BRIDGE_CAPABILITY_ENV,
  BRIDGE_URL_ENV,
  CAPABILITY_HEADER,
  MCP_SERVER_NAME,
  TOOL_NAMES,
  type BridgeCallAnswer,
  type ToolName,
} from "./bridge-wire.ts";

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

/**
 * The tools as MCP's tools/list gives them, their input as JSON Schema draft-07 of what the agent may send
 * (io "input": a field with a default is optional), as the MCP SDK made it from the same zod schemas.
 */
export function toolDefinitions(tools: readonly ToolName[]): ToolDefinition[] {
  return tools.map((name) => ({
    name,
    description: toolDescriptions[name],
    inputSchema: z.toJSONSchema(toolInputSchemas[name], { target: "draft-7", io: "input" }),
  }));
}

/** A call as the MCP server forwards it (the wire format is in bridge-wire.ts). */
export const bridgeCallRequest = z.object({ tool: z.enum(TOOL_NAMES), input: z.unknown() });
