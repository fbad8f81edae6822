// How a run's outcome reads in the job log and on a note: the agent's figures for the final note, and one
// line for what was published.
import type { AgentRunResult, PublishResult } from "./contracts.ts";

export function statsOf(result: AgentRunResult) {
  return {
    ...(result.turns !== undefined ? { turns: result.turns } : {}),
    ...(result.inputTokens !== undefined ? { inputTokens: result.inputTokens } : {}),
    ...(result.outputTokens !== undefined ? { outputTokens: result.outputTokens } : {}),
    ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
  };
}

export function describePublish(publish: PublishResult): string {
  switch (publish.kind) {
    case "merge_request":
      return `merge request !${publish.mergeRequestIid} from ${publish.branch}`;
    case "commit":
      return `commit ${publish.commitSha.slice(0, 8)} on ${publish.branch}`;
    case "patch":
      return `a patch of ${publish.patch.length} characters (fork)`;
    case "none":
      return "no changes";
  }
}
