// `agent-bridge sweep`: serves, once each, the mentions of the last minutes that no delivery brought (a
// receiver that was down, a delivery GitLab never made, a disabled hook). Reads the receiver's settings from
// the environment; each mention found goes to the worker here and now, one JSON line per sweep and per task.
// `serve` runs the same sweep at start and every SWEEP_INTERVAL_SECONDS.
import { parseArgs } from "node:util";
import { createSweep, DEFAULT_SWEEP_WINDOW_MINUTES } from "../../functions/sweep-runner.ts";
import { loadSettingsFromEnv } from "../../functions/shared-wiring.ts";
import { createWorkerFromSettings } from "../../functions/worker-wiring.ts";
import { SettingsError } from "../../shared/config/settings-error.ts";
import type { MentionTask } from "../../shared/webhook/mention-task.ts";
import type { Command } from "./command.ts";

const help = () => `Usage: agent-bridge sweep [--minutes N]

Finds the mentions of the last N minutes (default: $SWEEP_WINDOW_MINUTES, else ${DEFAULT_SWEEP_WINDOW_MINUTES}) in the projects of
ALLOWED_PROJECTS, or else those the bridge's user is a member of, that carry no recent claim by the bridge,
and serves each once (the 👀 claim keeps it once, whoever else is serving). Same environment as 'serve'.
Prints one JSON line for the sweep and one per mention; exits 1 when GitLab could not be read.`;

export const sweepCommand: Command = {
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: { minutes: { type: "string" }, help: { type: "boolean", short: "h" } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      console.error(
        `agent-bridge sweep: ${(e as Error).message}\n\nRun 'agent-bridge sweep --help' for usage.`,
      );
      return 2;
    }
    if (values.help) {
      console.log(help());
      return 0;
    }
    const minutesText =
      values.minutes ?? process.env["SWEEP_WINDOW_MINUTES"] ?? String(DEFAULT_SWEEP_WINDOW_MINUTES);
    const minutes = /^\d+$/.test(minutesText) ? Number(minutesText) : Number.NaN;
    if (!(minutes >= 1 && minutes <= 1440)) {
      console.error(
        `agent-bridge sweep: --minutes expects whole minutes from 1 to 1440, got "${minutesText}"`,
      );
      return 2;
    }
    let settings;
    try {
      settings = loadSettingsFromEnv(process.env);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      console.error(`agent-bridge sweep: ${error.message}`);
      return 2;
    }
    const worker = createWorkerFromSettings(settings);
    const tasks: MentionTask[] = [];
    const sweep = createSweep(settings, async (task) => void tasks.push(task), { windowMinutes: minutes });
    try {
      await sweep();
    } catch {
      return 1;
    }
    // One at a time: a sweep is a catch-up, not a burst. A task GitLab cannot serve yet is left to the next.
    for (const task of tasks) await worker(task).catch(() => undefined);
    return 0;
  },
};
