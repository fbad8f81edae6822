// The programs Claude Code's subprocess env scrub needs on the PATH it gets: bubblewrap (`bwrap`, without
// it the CLI refuses to start) and `socat` (without it every Bash call fails). Looked up before the CLI
// starts, so a run on an image without them fails at once with the fix, never half-way through a task.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export const BOX_TOOLS = ["bwrap", "socat"] as const;

/** The BOX_TOOLS not found as executables on `path`. */
export function missingBoxTools(path: string | undefined): string[] {
  const dirs = (path ?? "").split(delimiter).filter((dir) => dir !== "");
  return BOX_TOOLS.filter((tool) => !dirs.some((dir) => isExecutable(join(dir, tool))));
}

export function missingBoxToolsError(missing: readonly string[]): string {
  return (
    `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not installed: Claude Code runs the agent's ` +
    "commands in bubblewrap so they never see the model key (CLAUDE_CODE_SUBPROCESS_ENV_SCRUB), and needs bwrap " +
    "and socat on the PATH. Use the agent-bridge claude image, or install them (apt-get install -y bubblewrap " +
    "socat; apk add bubblewrap socat)."
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
