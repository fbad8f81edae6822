// The Lambda receiver and worker without the AWS SDK. The receiver: Function URL event in, core handler,
// answer out once the mention task is on the SQS queue (sendTask). The worker: the queue's batch of tasks in,
// each done by the core worker; a task GitLab could not serve yet is reported as a batch item failure, and
// SQS hands it over again once the back-off given by delayRetry has passed; after the queue's
// maxReceiveCount it goes to the dead-letter queue (and its alarm). Settings and clients are built on a
// container's first event and rebuilt only when a secret's value changed (a rotation), which the secret
// cache notices after its TTL. handler.ts binds them to AWS and process.env; tests to plain functions.
import { SettingsError } from "../../shared/config/settings-error.ts";
import { loadWebhookSettings, type WebhookSettings } from "../../shared/config/webhook-settings.ts";
import { decodeMentionTask, encodeMentionTask } from "../../shared/webhook/mention-task.ts";
import { RetryLater, type MentionWorker } from "../../shared/webhook/worker.ts";
import { createSweep, sweepSchedule } from "../sweep-runner.ts";
import {
  adapterLogLine,
  adapterResponse,
  createHandlerFromSettings,
  createWorkerFromSettings,
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
  /** Puts one task (JSON) on the queue; resolves once SQS has it. */
  sendTask: (body: string) => Promise<void>;
}

export type LambdaHandler = ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) & {
  /** Starts loading secrets and settings ahead of the first event; failures surface on that event. */
  warm(): void;
};

/** Settings from the environment and the secrets, loaded once per container and again after a rotation. */
function settingsLoader(deps: Omit<LambdaHandlerDeps, "sendTask">) {
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
            error: describe(error),
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
      deps.log(adapterLogLine("error", "secrets could not be read", { error: describe(error) }));
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

/** The SQS event a Lambda event source mapping delivers (only what the worker reads). */
export interface SqsEvent {
  Records?: Array<{
    messageId: string;
    receiptHandle?: string;
    body: string;
    attributes?: { ApproximateReceiveCount?: string };
  }>;
}

/** ReportBatchItemFailures: the messages to hand over again; the others are deleted. */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface LambdaWorkerDeps extends Omit<LambdaHandlerDeps, "sendTask"> {
  /** Makes a failed message visible again after `seconds` (its back-off). */
  delayRetry: (receiptHandle: string, seconds: number) => Promise<void>;
}

/** Back-off of the nth failed receive: 10 s doubling, at most 15 min (SQS allows 12 h; GitLab work is fresh). */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(900, 10 * 2 ** Math.max(0, receiveCount - 1));
}

export function createLambdaWorker(deps: LambdaWorkerDeps): (event: SqsEvent) => Promise<SqsBatchResponse> {
  const now = deps.now ?? Date.now;
  const wiring: WiringOptions = { now, log: deps.log, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  const load = settingsLoader(deps);
  let worker: MentionWorker | undefined;

  return async (event) => {
    // Settings that cannot be loaded fail the whole batch: every message comes back after its timeout.
    const { settings, fresh } = await load(() =>
      deps.log(adapterLogLine("info", "secrets changed; mention worker rebuilt")),
    );
    if (fresh || !worker) worker = createWorkerFromSettings(settings, wiring);
    const work = worker;
    const failures: SqsBatchResponse["batchItemFailures"] = [];
    await Promise.all(
      (event.Records ?? []).map(async (record) => {
        const receives = Number(record.attributes?.ApproximateReceiveCount ?? "1") || 1;
        let task;
        try {
          task = decodeMentionTask(record.body);
        } catch {
          // Not a task (sent by hand?): retrying would not help; it is dropped, and said so.
          deps.log(
            adapterLogLine("warn", "queue message is not a mention task; dropped", { id: record.messageId }),
          );
          return;
        }
        try {
          await work(task, receives);
        } catch (error) {
          if (!(error instanceof RetryLater)) {
            deps.log(
              adapterLogLine("error", "mention task failed", {
                id: record.messageId,
                error: describe(error),
              }),
            );
          }
          failures.push({ itemIdentifier: record.messageId });
          if (record.receiptHandle) {
            await deps.delayRetry(record.receiptHandle, retryDelaySeconds(receives)).catch(() => undefined);
          }
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}

/**
 * The scheduled sweep (an EventBridge rule): the mentions of the last SWEEP_WINDOW_MINUTES no task served go
 * on the queue, for the worker. Throws when GitLab could not be read, so the invocation counts as an error.
 */
export function createLambdaSweep(
  deps: LambdaHandlerDeps,
): () => Promise<{ found: number; handedOff: number }> {
  const now = deps.now ?? Date.now;
  const wiring: WiringOptions = { now, log: deps.log, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  const load = settingsLoader(deps);
  return async () => {
    const schedule = sweepSchedule(deps.env);
    if ("error" in schedule) throw new Error(schedule.error);
    const { settings } = await load(() => undefined);
    const sweep = createSweep(settings, (task) => deps.sendTask(encodeMentionTask(task)), {
      ...wiring,
      windowMinutes: schedule.windowMinutes,
    });
    return sweep();
  };
}
