// The Lambda receiver without the AWS SDK: Function URL event in, core handler, answer out. The webhook
// handler (settings, GitLab client) is built on the first delivery of a container and kept; it is rebuilt
// only when a secret's value changed (a rotation), which the secret cache notices after its TTL.
// handler.ts binds it to Secrets Manager and process.env; tests bind it to plain functions.
import { SettingsError } from "../../shared/config/settings-error.ts";
import { loadWebhookSettings } from "../../shared/config/webhook-settings.ts";
import {
  adapterLogLine,
  adapterResponse,
  createHandlerFromSettings,
  type WebhookHandler,
  type WiringOptions,
} from "../shared-wiring.ts";
import {
  rejectMethod,
  toFunctionUrlResult,
  toWebhookRequest,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from "./function-url.ts";
import { createSecretCache, readSecretSources, type SecretCache } from "./secrets.ts";

export interface LambdaHandlerDeps {
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

export type LambdaHandler = ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) & {
  /** Starts loading secrets and settings ahead of the first event; failures surface on that event. */
  warm(): void;
};

export function createLambdaHandler(deps: LambdaHandlerDeps): LambdaHandler {
  const now = deps.now ?? Date.now;
  const wiring: WiringOptions = { now, log: deps.log, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  let cache: SecretCache | undefined;
  let built: { secrets: object; handler: WebhookHandler } | undefined;

  async function currentHandler(): Promise<WebhookHandler> {
    cache ??= createSecretCache({
      sources: readSecretSources(deps.env),
      fetchSecretString: deps.fetchSecretString,
      now,
      onStaleRefreshFailure: (error) =>
        deps.log(
          adapterLogLine("secrets refresh failed; the cached values keep serving", {
            error: describe(error),
          }),
        ),
    });
    const secrets = await cache.get();
    if (built?.secrets !== secrets) {
      const rebuilding = built !== undefined;
      built = {
        secrets,
        handler: createHandlerFromSettings(loadWebhookSettings({ ...deps.env, ...secrets }), wiring),
      };
      if (rebuilding) deps.log(adapterLogLine("secrets changed; webhook handler rebuilt"));
    }
    return built.handler;
  }

  const handle = async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const refused = rejectMethod(event);
    if (refused) return refused;
    let handler: WebhookHandler;
    try {
      handler = await currentHandler();
    } catch (error) {
      if (error instanceof SettingsError) {
        // Nothing that failed is kept: a fixed secret is picked up once the cache's TTL has passed, and a
        // fixed variable with the next container; the message names variables, never values.
        deps.log(adapterLogLine("webhook receiver misconfigured", { error: error.message }));
        return toFunctionUrlResult(
          adapterResponse(500, "error", "the receiver is misconfigured; see its log"),
        );
      }
      // Secrets Manager unreachable or access denied on a cold start: a redelivery may find it back.
      deps.log(adapterLogLine("secrets could not be read", { error: describe(error) }));
      return toFunctionUrlResult(
        adapterResponse(503, "error", "the receiver's secrets could not be read; see its log"),
      );
    }
    return toFunctionUrlResult(await handler(toWebhookRequest(event)));
  };

  return Object.assign(handle, {
    warm: () => {
      currentHandler().catch(() => undefined);
    },
  });
}

// An SDK error's name and message (e.g. "AccessDeniedException: ... is not authorized to perform
// secretsmanager:GetSecretValue on resource ..."): they name the ARN, never the value.
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
