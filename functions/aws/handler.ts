// The AWS Lambda entry point (Function URL, payload format 2.0), and the only module that imports the AWS
// SDK: secrets named by WEBHOOK_SECRET_ARN, GITLAB_TOKEN_ARN (and the other NAME_ARN variables of
// secrets.ts) are read with GetSecretValue, cached for SECRETS_TTL_SECONDS (default 300). Every other
// setting comes from the function's environment (see WEBHOOK_SETTINGS_DOC).
//
// Bundle: esbuild, ESM, node22, the SDK included (version pinned, not the runtime's). Handler: handler.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { logToStdout } from "../shared-wiring.ts";
import { createLambdaHandler } from "./lambda-handler.ts";

let client: SecretsManagerClient | undefined;

async function fetchSecretString(arn: string): Promise<string> {
  // Region and credentials come from the Lambda environment (AWS_REGION, the execution role).
  client ??= new SecretsManagerClient({});
  const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (answer.SecretString === undefined) {
    throw new Error(`secret ${arn} holds binary data; store the value as a secret string`);
  }
  return answer.SecretString;
}

export const handler = createLambdaHandler({ env: process.env, fetchSecretString, log: logToStdout });

// Inside Lambda, start reading the secrets while the runtime finishes its init, so the first delivery
// finds them on their way; a plain import (tests, the bundle benchmark) touches no network.
if (process.env["AWS_LAMBDA_FUNCTION_NAME"]) handler.warm();
