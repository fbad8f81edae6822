// The Lambda receiver without the AWS SDK: Function URL event in, core handler, answer out once the mention
// task is on the SQS queue (sendTask). Settings and the handler are built on a container's first event and
// rebuilt only when a secret's value changed (a rotation). It imports nothing of the worker's (the GitLab
// client, the claim, the dispatch): the receiver's bundle is what its cold start loads.
import { SettingsError } from "../../shared/config/settings-error.ts";
import { encodeMentionTask } from "../../shared/webhook/mention-task.ts";
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
import { describeError, settingsLoader, type LambdaDeps } from "./lambda-settings.ts";

export interface LambdaHandlerDeps extends LambdaDeps {
  /** Puts one task (JSON) on the queue; resolves once SQS has it. */
  sendTask: (body: string) => Promise<void>;
}

export type LambdaHandler = ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) & {
  /** Starts loading secrets and settings ahead of the first event; failures surface on that event. */
  warm(): void;
};

export function createLambdaHandler(deps: LambdaHandlerDeps): LambdaHandler {
  const now = deps.now ?? Date.now;
  const wiring: WiringOptions = { now, log: deps.log, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  const load = settingsLoader(deps);
  let handler: WebhookHandler | undefined;

  async function currentHandler(): Promise<WebhookHandler> {
    const { settings, fresh } = await load(() =>
      deps.log(adapterLogLine("info", "secrets changed; webhook handler rebuilt")),
    );
    if (fresh || !handler) {
      handler = createHandlerFromSettings(settings, (task) => deps.sendTask(encodeMentionTask(task)), wiring);
    }
    return handler;
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
        deps.log(adapterLogLine("error", "webhook receiver misconfigured", { error: error.message }));
        return toFunctionUrlResult(
          adapterResponse(500, "error", "the receiver is misconfigured; see its log"),
        );
      }
      // Secrets Manager unreachable or access denied on a cold start: a redelivery may find it back.
      deps.log(adapterLogLine("error", "secrets could not be read", { error: describeError(error) }));
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
