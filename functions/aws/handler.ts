// The AWS Lambda entry points, and the only module that imports the AWS SDK. `handler`: the receiver behind
// the Function URL (payload format 2.0), which puts each mention on the SQS queue TASK_QUEUE_URL and answers.
// `worker`: the queue's consumer (an event source mapping with ReportBatchItemFailures), which does the
// GitLab work and, for a task to try again, sets its visibility timeout to the back-off. `sweep`: run on a
// schedule, puts the mentions of the last minutes that no task served on the queue. Secrets named by
// WEBHOOK_SECRET_ARN, GITLAB_TOKEN_ARN (and the other NAME_ARN variables of secrets.ts) are read with
// GetSecretValue, cached for SECRETS_TTL_SECONDS (default 300). Every other setting comes from the
// function's environment (see WEBHOOK_SETTINGS_DOC).
//
// Bundle: esbuild, ESM, node22, the SDK included (version pinned, not the runtime's). Handlers: handler, worker, sweep.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { logToStdout } from "../shared-wiring.ts";
import { createLambdaHandler, createLambdaSweep, createLambdaWorker } from "./lambda-handler.ts";

export const TASK_QUEUE_URL_VARIABLE = "TASK_QUEUE_URL";

let secretsClient: SecretsManagerClient | undefined;
let sqsClient: SQSClient | undefined;

async function fetchSecretString(arn: string): Promise<string> {
  // Region and credentials come from the Lambda environment (AWS_REGION, the execution role).
  secretsClient ??= new SecretsManagerClient({});
  const answer = await secretsClient.send(new GetSecretValueCommand({ SecretId: arn }));
  if (answer.SecretString === undefined) {
    throw new Error(`secret ${arn} holds binary data; store the value as a secret string`);
  }
  return answer.SecretString;
}

function queueUrl(): string {
  const url = process.env[TASK_QUEUE_URL_VARIABLE];
  if (!url) throw new Error(`${TASK_QUEUE_URL_VARIABLE} is not set`);
  return url;
}

async function sendTask(body: string): Promise<void> {
  sqsClient ??= new SQSClient({});
  await sqsClient.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: body }));
}

async function delayRetry(receiptHandle: string, seconds: number): Promise<void> {
  sqsClient ??= new SQSClient({});
  await sqsClient.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl(),
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}

export const handler = createLambdaHandler({
  env: process.env,
  fetchSecretString,
  sendTask,
  log: logToStdout,
});

export const worker = createLambdaWorker({
  env: process.env,
  fetchSecretString,
  delayRetry,
  log: logToStdout,
});

export const sweep = createLambdaSweep({ env: process.env, fetchSecretString, sendTask, log: logToStdout });

// Inside Lambda, start reading the secrets while the runtime finishes its init, so the first delivery
// finds them on their way; a plain import (tests, the bundle benchmark) touches no network.
if (process.env["AWS_LAMBDA_FUNCTION_NAME"]) handler.warm();
