// The GitLab calls one worker task makes, recorded for its log line (method, path, outcome, time; never a
// body), and the short deadline its cleanup calls get. Both workers, the note's and the or merge
// request's, log the same way.
import { observeCalls, type GitLabClient, type GitLabRequester } from "../gitlab/client.ts";
import { isGitLabApiError } from "../gitlab/gitlab-api-error.ts";
import type { CallRecord } from "./log.ts";

/** Budget of the best-effort cleanups after a failure (removing the claim, writing an error note). */
const CLEANUP_BUDGET_MS = 2_000;

export interface TaskCalls {
  calls: CallRecord[];
  /** The client, each of its calls recorded. */
  counted: (client: GitLabRequester) => GitLabRequester;
  /** The client for cleanup calls: recorded, on the cleanup deadline. */
  cleanup: () => GitLabRequester;
}

export function recordTaskCalls(gitlab: GitLabClient, now: () => number): TaskCalls {
  const calls: CallRecord[] = [];
  const counted = (client: GitLabRequester): GitLabRequester =>
    observeCalls(client, {
      now,
      finished: ({ method, path, error, ms }) =>
        calls.push({
          method,
          path,
          outcome: error === undefined ? "ok" : isGitLabApiError(error) ? error.status : 0,
          ms,
        }),
    });
  return { calls, counted, cleanup: () => counted(gitlab.withDeadline(CLEANUP_BUDGET_MS)) };
}
