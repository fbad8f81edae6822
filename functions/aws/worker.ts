// The AWS Lambda entry points of the GitLab work, one bundle (scripts/build.ts): `worker`, the task queue's
// consumer (an event source mapping with ReportBatchItemFailures), which does the GitLab work of each
// mention and, for a task to try again, sets its visibility timeout to the back-off; `sweep`, run on a
// schedule, which puts the mentions of the last minutes that no task served on the queue. Secrets and
// settings as for the receiver (handler.ts).
import { logToStdout } from "../shared-wiring.ts";
import { createLambdaSweep, createLambdaWorker } from "./lambda-worker.ts";
import { delayRetry, fetchSecretString, sendTask } from "./sdk.ts";

export const worker = createLambdaWorker({
  env: process.env,
  fetchSecretString,
  delayRetry,
  log: logToStdout,
});

export const sweep = createLambdaSweep({ env: process.env, fetchSecretString, sendTask, log: logToStdout });
