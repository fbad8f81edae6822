// Shortening of what the agents report, so a progress event stays one readable line.

/** The text on one line, cut to max characters with an ellipsis. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The error of a run whose bridge tools never came up: said plainly, since without them the run cannot
 * report progress or post review comments, and going on would end in a reply that claims what it could not do.
 */
export function toolsDidNotStart(serverStatus: string): string {
  return `the progress and review tools did not start (the agent-bridge MCP server: ${serverStatus}), so the agent was stopped before it could work without them`;
}
