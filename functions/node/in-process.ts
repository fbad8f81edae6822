// The receiver and its worker in one process, joined by the in-process queue: what `agent-bridge serve`,
// the demo and the benchmark run. The delivery is answered once its task is queued.
import type { WebhookSettings } from "../../shared/config/webhook-settings.ts";
import type { MentionWorker } from "../../shared/webhook/worker.ts";
import {
  createHandlerFromSettings,
  loadSettingsFromEnv,
  logToStdout,
  type WebhookHandler,
  type WiringOptions,
} from "../shared-wiring.ts";
import { createWorkerFromSettings } from "../worker-wiring.ts";
import { createWorkQueue, type WorkQueue, type WorkQueueOptions } from "./work-queue.ts";

export interface InProcessReceiver {
  handler: WebhookHandler;
  worker: MentionWorker;
  queue: WorkQueue;
}

export function createInProcessReceiver(
  settings: WebhookSettings,
  options: WiringOptions & { queue?: Omit<WorkQueueOptions, "worker" | "log"> } = {},
): InProcessReceiver {
  const worker = createWorkerFromSettings(settings, options);
  const queue = createWorkQueue({ ...options.queue, worker, log: options.log ?? logToStdout });
  const handler = createHandlerFromSettings(settings, (task) => queue.add(task), options);
  return { handler, worker, queue };
}

/** Loads the settings (SettingsError lists every bad variable) and builds the in-process receiver. */
export function createInProcessReceiverFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: WiringOptions & { queue?: Omit<WorkQueueOptions, "worker" | "log"> } = {},
): InProcessReceiver & { settings: WebhookSettings } {
  const settings = loadSettingsFromEnv(env);
  return { settings, ...createInProcessReceiver(settings, options) };
}
