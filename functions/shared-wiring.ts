// The one place that turns settings into a running receiver, for every runtime adapter (the worker's part
// is worker-wiring.ts, so a receiver's bundle carries none of the GitLab client): the real clock, and one
// JSON log line a delivery (and a task attempt) on stdout (CloudWatch, Cloud Logging and a container
// runtime all collect it). Adapters differ only in where the settings come from, how a request reaches the
// receiver and how a task reaches the worker (serve's in-process queue, SQS, Pub/Sub); nothing here knows
// about a cloud.
// It never logs a setting's value: SettingsError messages name variables, not values.
import { loadWebhookSettings, type WebhookSettings } from "../shared/config/webhook-settings.ts";
import {
  createWebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from "../shared/webhook/handler.ts";
import { levelFields, type LogLevel } from "../shared/webhook/log.ts";
import type { MentionTask } from "../shared/webhook/mention-task.ts";

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

export interface WiringOptions {
  /** The fetch the GitLab client uses (default: the global fetch); the bench passes a counting one. */
  fetch?: typeof fetch;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Receives one JSON line per delivery and per task attempt (default: stdout). */
  log?: (line: string) => void;
}

/** Writes one line to stdout; the delivery log and the adapters' own events go through it. */
export function logToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Builds the receiver for settings already loaded (the Lambda adapter merges secrets into them first): it
 * answers once `handOff` has taken the task.
 *
 *   const handle = createHandlerFromSettings(loadWebhookSettings(process.env), (task) => queue.add(task));
 */
export function createHandlerFromSettings(
  settings: WebhookSettings,
  handOff: (task: MentionTask) => Promise<void>,
  options: WiringOptions = {},
): WebhookHandler {
  return createWebhookHandler({
    settings,
    now: options.now ?? Date.now,
    log: options.log ?? logToStdout,
    handOff,
  });
}

/**
 * Loads the settings from an environment-like record; throws SettingsError listing every bad or missing
 * variable.
 */
export function loadSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): WebhookSettings {
  return loadWebhookSettings(env);
}

/**
 * An answer of the adapter itself (misconfigured, shutting down, wrong method), in the core's body shape so
 * GitLab's "recent events" page and the logs read the same whoever answered.
 */
export function adapterResponse(
  status: number,
  result: "rejected" | "error",
  reason: string,
  headers: Record<string, string> = {},
): WebhookResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ result, reason }),
  };
}

/** One JSON log line for an adapter-level event (not a delivery), with its level; never carries a secret. */
export function adapterLogLine(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...levelFields(level), msg, ...fields });
}
