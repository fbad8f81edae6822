// The AWS Lambda entry point of the receiver behind the Function URL (payload format 2.0): `handler` puts
// each mention on the SQS queue TASK_QUEUE_URL and answers. Its own bundle (scripts/build.ts), apart from
// the worker's (worker.ts): a cold start of the receiver, on the path of GitLab's delivery, loads neither
// the GitLab client nor the worker. Secrets named by WEBHOOK_SECRET_ARN, GITLAB_TOKEN_ARN (and the other
// NAME_ARN variables of secrets.ts) are read with GetSecretValue, cached for SECRETS_TTL_SECONDS (default
// 300). Every other setting comes from the function's environment (see WEBHOOK_SETTINGS_DOC).
import { logToStdout } from "../shared-wiring.ts";
import { createLambdaHandler } from "./lambda-handler.ts";
import { fetchSecretString, sendTask } from "./sdk.ts";

export const handler = createLambdaHandler({
  env: process.env,
  fetchSecretString,
  sendTask,
  log: logToStdout,
});

// Inside Lambda, start reading the secrets while the runtime finishes its init, so the first delivery
// finds them on their way; a plain import (tests, the bundle benchmark) touches no network.
if (process.env["AWS_LAMBDA_FUNCTION_NAME"]) handler.warm();
