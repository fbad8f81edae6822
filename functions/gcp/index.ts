// The Google Cloud entry point: registers the HTTP functions `agentBridgeWebhook` (the receiver, which
// publishes each mention to the Pub/Sub topic TASK_TOPIC and answers) and `agentBridgeWorker` (the topic's
// push subscription's endpoint, which does the GitLab work). One source, two deploys with different entry
// points. Settings, secrets included, come from the environment: Secret Manager secrets are mounted as
// environment variables (`secret_environment_variables`). They are loaded when the instance starts, so a
// bad setting fails the start, and with it the deploy, while the previous revision keeps serving; the log
// lists every bad variable, never a value.
import { http } from "@google-cloud/functions-framework";
import { SettingsError } from "../../shared/config/settings-error.ts";
import type { MentionTask } from "../../shared/webhook/mention-task.ts";
import { createHandlerFromSettings, loadSettingsFromEnv, logToStdout } from "../shared-wiring.ts";
import { createWorkerFromSettings } from "../worker-wiring.ts";
import { createSweep, sweepSchedule } from "../sweep-runner.ts";
import { createCloudFunction } from "./cloud-function.ts";
import { FUNCTION_NAME, WORKER_FUNCTION_NAME } from "./entry-points.ts";
import { createPublisher, TASK_TOPIC_VARIABLE } from "./pubsub.ts";
import { createPushWorker } from "./worker-function.ts";

export { FUNCTION_NAME, WORKER_FUNCTION_NAME };

let settings: ReturnType<typeof loadSettingsFromEnv>;
try {
  settings = loadSettingsFromEnv(process.env);
} catch (error) {
  if (error instanceof SettingsError) console.error(error.message);
  throw error;
}

// Built on the first mention, so the worker's deploy (which has no topic) and a test without one start.
let publish: ((body: string) => Promise<void>) | undefined;
const handOff = async (task: MentionTask): Promise<void> => {
  publish ??= createPublisher({
    topic: process.env[TASK_TOPIC_VARIABLE] ?? "",
    fetch: globalThis.fetch,
    now: Date.now,
  });
  await publish(JSON.stringify(task));
};

const schedule = sweepSchedule(process.env);
const sweep = async (): Promise<unknown> => {
  if ("error" in schedule) throw new Error(schedule.error);
  return createSweep(settings, (task) => handOff(task), { windowMinutes: schedule.windowMinutes })();
};

http(FUNCTION_NAME, createCloudFunction(createHandlerFromSettings(settings, handOff)));
http(WORKER_FUNCTION_NAME, createPushWorker(createWorkerFromSettings(settings), logToStdout, sweep));
