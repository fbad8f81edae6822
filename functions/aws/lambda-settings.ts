// What the Lambda receiver and worker share: the settings from the environment and the secrets, loaded once
// per container and again after a rotation (the secret cache notices it after its TTL), and the deps every
// Lambda entry gets. handler.ts and worker.ts bind them to AWS and process.env; tests to plain functions.
import { loadWebhookSettings, type WebhookSettings } from "../../shared/config/webhook-settings.ts";
import { adapterLogLine } from "../shared-wiring.ts";
import { createSecretCache, readSecretSources, type SecretCache } from "./secrets.ts";

export interface LambdaDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** A secret's SecretString by ARN. */
  fetchSecretString: (arn: string) => Promise<string>;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** One JSON line per delivery and per adapter event (default stdout). */
  log: (line: string) => void;
  /** The GitLab client's fetch (default the global one). */
  fetch?: typeof fetch;
}

/** Settings from the environment and the secrets, loaded once per container and again after a rotation. */
export function settingsLoader(deps: LambdaDeps) {
  const now = deps.now ?? Date.now;
  let cache: SecretCache | undefined;
  let built: { secrets: object; settings: WebhookSettings } | undefined;
  return async (onRebuilt: () => void): Promise<{ settings: WebhookSettings; fresh: boolean }> => {
    cache ??= createSecretCache({
      sources: readSecretSources(deps.env),
      fetchSecretString: deps.fetchSecretString,
      now,
      onStaleRefreshFailure: (error) =>
        deps.log(
          adapterLogLine("warn", "secrets refresh failed; the cached values keep serving", {
            error: describeError(error),
          }),
        ),
    });
    const secrets = await cache.get();
    if (built?.secrets === secrets) return { settings: built.settings, fresh: false };
    const rebuilding = built !== undefined;
    built = { secrets, settings: loadWebhookSettings({ ...deps.env, ...secrets }) };
    if (rebuilding) onRebuilt();
    return { settings: built.settings, fresh: true };
  };
}

// An SDK error's name and message (e.g. "AccessDeniedException: ... is not authorized to perform
// secretsmanager:GetSecretValue on resource ..."): they name the ARN, never the value.
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
