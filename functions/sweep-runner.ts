// Runs the catch-up sweep (shared/webhook/sweep.ts) for a runtime: finds the mentions of the window no task
// served and hands each to `handOff` (serve's queue, the SQS queue, the Pub/Sub topic, or the worker itself
// for `agent-bridge sweep`). One JSON line per sweep.
import type { WebhookSettings } from "../shared/config/webhook-settings.ts";
import { createNodeGitLabClient } from "../shared/gitlab/node-client.ts";
import type { MentionTask } from "../shared/webhook/mention-task.ts";
import { sweepMentions } from "../shared/webhook/sweep.ts";
import { adapterLogLine, logToStdout, type WiringOptions } from "./shared-wiring.ts";

/** How far back a sweep looks by default, in minutes (SWEEP_WINDOW_MINUTES). */
export const DEFAULT_SWEEP_WINDOW_MINUTES = 10;

export type Sweep = () => Promise<{ found: number; handedOff: number }>;

export function createSweep(
  settings: WebhookSettings,
  handOff: (task: MentionTask) => Promise<void>,
  options: WiringOptions & { windowMinutes?: number } = {},
): Sweep {
  const now = options.now ?? Date.now;
  const log = options.log ?? logToStdout;
  const gitlab = createNodeGitLabClient({
    baseUrl: settings.gitlabUrl,
    token: settings.gitlabToken,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    now,
  });
  return async () => {
    const started = now();
    try {
      const result = await sweepMentions(gitlab.withDeadline(60_000), {
        settings,
        now,
        windowMinutes: options.windowMinutes ?? DEFAULT_SWEEP_WINDOW_MINUTES,
      });
      let handedOff = 0;
      for (const task of result.tasks) {
        try {
          await handOff(task);
          handedOff++;
        } catch {
          // A full queue: the next sweep finds the mention again.
        }
      }
      log(
        adapterLogLine("info", "sweep", {
          projects: result.projects,
          found: result.tasks.length,
          handedOff,
          recentlyClaimed: result.claimed,
          refusedBefore: result.refused,
          durationMs: now() - started,
        }),
      );
      return { found: result.tasks.length, handedOff };
    } catch (error) {
      log(
        adapterLogLine("error", "sweep failed", {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      throw error;
    }
  };
}

/** SWEEP_INTERVAL_SECONDS (default 60, 0 turns the schedule off) and SWEEP_WINDOW_MINUTES (default 10). */
export function sweepSchedule(
  env: Readonly<Record<string, string | undefined>>,
): { intervalSeconds: number; windowMinutes: number } | { error: string } {
  const interval = (env["SWEEP_INTERVAL_SECONDS"] ?? "").trim() || "60";
  const window = (env["SWEEP_WINDOW_MINUTES"] ?? "").trim() || String(DEFAULT_SWEEP_WINDOW_MINUTES);
  if (!/^\d+$/.test(interval) || Number(interval) > 86_400) {
    return { error: "SWEEP_INTERVAL_SECONDS expects whole seconds from 0 (off) to 86400" };
  }
  if (!/^\d+$/.test(window) || Number(window) < 1 || Number(window) > 1440) {
    return { error: "SWEEP_WINDOW_MINUTES expects whole minutes from 1 to 1440" };
  }
  return { intervalSeconds: Number(interval), windowMinutes: Number(window) };
}
