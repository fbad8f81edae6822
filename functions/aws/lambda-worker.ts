// The Lambda worker and sweep without the AWS SDK. The worker: the queue's batch of tasks in, each done by
// the core worker; a task GitLab could not serve yet is reported as a batch item failure, and SQS hands it
// over again once the back-off given by delayRetry has passed; after the queue's maxReceiveCount it goes to
// the dead-letter queue (and its alarm). The sweep: the mentions no task served, onto the queue. Settings
// and clients are built on a container's first event and rebuilt only after a rotation (lambda-settings.ts).
import { encodeMentionTask, decodeMentionTask } from "../../shared/webhook/mention-task.ts";
import { RetryLater, type MentionWorker } from "../../shared/webhook/worker.ts";
import { createSweep, sweepSchedule } from "../sweep-runner.ts";
import { adapterLogLine, type WiringOptions } from "../shared-wiring.ts";
import { createWorkerFromSettings } from "../worker-wiring.ts";
import { describeError, settingsLoader, type LambdaDeps } from "./lambda-settings.ts";

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

export interface LambdaWorkerDeps extends LambdaDeps {
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
                error: describeError(error),
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
  deps: LambdaDeps & { sendTask: (body: string) => Promise<void> },
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
