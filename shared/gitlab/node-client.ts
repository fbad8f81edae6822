// The GitLab client as every process of the bridge builds it (the webhook receiver, the job's run and
// finalize, the doctor): over a fetch (the global one unless a test or bench hands one in), the real clock,
// and node's timers, unref'd so that a pending deadline timer never keeps a stopping process alive (the
// doctor, a command that only waits for its checks, keeps them ref'd: holdProcess).
//
//   const gitlab = createNodeGitLabClient({ baseUrl: settings.gitlabUrl, token: settings.gitlabToken });
import { setTimeout as sleep } from "node:timers/promises";
import { createGitLabClient, type GitLabClient, type GitLabClientOptions } from "./client.ts";

export type NodeGitLabClientOptions = Omit<GitLabClientOptions, "fetch" | "now" | "sleep"> &
  Partial<Pick<GitLabClientOptions, "fetch" | "now">> & {
    /** Timers keep the process alive (default false): for a command whose only work is these calls. */
    holdProcess?: boolean;
  };

export function createNodeGitLabClient(options: NodeGitLabClientOptions): GitLabClient {
  const { holdProcess, ...client } = options;
  const ref = holdProcess === true;
  return createGitLabClient({
    ...client,
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
    sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal, ref } : { ref }),
  });
}
