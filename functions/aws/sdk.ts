// The only module that imports the AWS SDK: GetSecretValue for the secrets, SendMessage and
// ChangeMessageVisibility on the task queue. Each client is built on its first use; region and credentials
// come from the Lambda environment (AWS_REGION, the execution role's variables). The entries (handler.ts,
// worker.ts) import only the calls they make, so each Lambda bundle carries only its clients.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

export const TASK_QUEUE_URL_VARIABLE = "TASK_QUEUE_URL";

let secretsClient: SecretsManagerClient | undefined;
let sqsClient: SQSClient | undefined;

export async function fetchSecretString(arn: string): Promise<string> {
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

export async function sendTask(body: string): Promise<void> {
  sqsClient ??= new SQSClient({});
  await sqsClient.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: body }));
}

export async function delayRetry(receiptHandle: string, seconds: number): Promise<void> {
  sqsClient ??= new SQSClient({});
  await sqsClient.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl(),
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}
