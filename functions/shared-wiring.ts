// The one place that turns settings into a running webhook handler, for every runtime adapter: the GitLab
// client over the global fetch, the real clock, and one JSON log line a delivery on stdout (CloudWatch,
// Cloud Logging and a container runtime all collect it). Adapters differ only in where the settings come
// from and how a request reaches the handler; nothing here knows about a cloud.
// It never logs a setting's value: SettingsError messages name variables, not values.
import { loadWebhookSettings, type WebhookSettings } from "../shared/config/webhook-settings.ts";
import { createNodeGitLabClient } from "../shared/gitlab/node-client.ts";
import {
  createWebhookHandler,
  type WebhookRequest,
  type WebhookResponse,
} from "../shared/webhook/handler.ts";

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

export interface WiringOptions {
  /** The fetch the GitLab client uses (default: the global fetch); the bench passes a counting one. */
  fetch?: typeof fetch;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Receives one JSON line per delivery (default: stdout). */
  log?: (line: string) => void;
}

/** Writes one line to stdout; the delivery log and the adapters' own events go through it. */
export function logToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Builds the handler for settings already loaded (the Lambda adapter merges secrets into them first).
 *
 *   const handle = createHandlerFromSettings(loadWebhookSettings(process.env));
 */
export function createHandlerFromSettings(
  settings: WebhookSettings,
  options: WiringOptions = {},
): WebhookHandler {
  const now = options.now ?? Date.now;
  const gitlab = createNodeGitLabClient({
    baseUrl: settings.gitlabUrl,
    token: settings.gitlabToken,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    now,
  });
  return createWebhookHandler({ settings, gitlab, now, log: options.log ?? logToStdout });
}

/**
 * Loads the settings from an environment-like record and builds the handler; throws SettingsError listing
 * every bad or missing variable.
 *
 *   const { settings, handler } = createHandlerFromEnv(process.env);
 */
export function createHandlerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: WiringOptions = {},
): { settings: WebhookSettings; handler: WebhookHandler } {
  const settings = loadWebhookSettings(env);
  return { settings, handler: createHandlerFromSettings(settings, options) };
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

/** One JSON log line for an adapter-level event (not a delivery); never carries a secret. */
export function adapterLogLine(msg: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ msg, ...fields });
}
