// What became of the inline review comments the agent tried to post, told from two sides: the agent's
// stream (every create_inline_comment call it made) and the tool bridge (every call that reached it, and
// those it refused with why). A call the stream shows but the bridge never got means the tool was not
// there (its MCP server down). The placeholder reports this as it is, so a run that could not post its
// review never reads as a plain success, and never names a comment that does not exist.
import type { RefusedComment } from "./mcp/tool-bridge.ts";

/** What the tool bridge saw of create_inline_comment. */
export interface BridgeComments {
  posted: number;
  /** Calls that reached the bridge, posted or not. */
  calls: number;
  refused: readonly RefusedComment[];
}

export interface ReviewOutcome {
  posted: number;
  /** Attempts that posted nothing, each with the reason. */
  notPosted: RefusedComment[];
}

/** undefined when the agent made no comment call at all (nothing to report). */
export function reviewOutcome(bridge: BridgeComments, callsInStream: number): ReviewOutcome | undefined {
  const notPosted = [...bridge.refused];
  const unreached = callsInStream - bridge.calls;
  if (unreached > 0) {
    notPosted.push({
      where: unreached === 1 ? "1 comment" : `${unreached} comments`,
      reason: "the review tool was not available to the agent, so nothing reached GitLab",
    });
  }
  if (bridge.posted === 0 && notPosted.length === 0) return undefined;
  return { posted: bridge.posted, notPosted };
}
