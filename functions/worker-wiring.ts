// The worker's part of the wiring (shared-wiring.ts is the receiver's): the core worker over the GitLab
// client on the global fetch, with the real clock and the one log line a task attempt.
import type { WebhookSettings } from "../shared/config/webhook-settings.ts";
import { createNodeGitLabClient } from "../shared/gitlab/node-client.ts";
import { createMentionWorker, type MentionWorker } from "../shared/webhook/worker.ts";
import { logToStdout, type WiringOptions } from "./shared-wiring.ts";

/** Builds the worker that does a task's GitLab work, over the GitLab client with the real timers. */
export function createWorkerFromSettings(
  settings: WebhookSettings,
  options: WiringOptions = {},
): MentionWorker {
  const now = options.now ?? Date.now;
  const gitlab = createNodeGitLabClient({
    baseUrl: settings.gitlabUrl,
    token: settings.gitlabToken,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    now,
  });
  return createMentionWorker({ settings, gitlab, now, log: options.log ?? logToStdout });
}
