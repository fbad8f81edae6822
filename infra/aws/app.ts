// The CDK app of agent-bridge: `npx cdk synth` / `npx cdk deploy` (cdk.json runs `npx tsx infra/aws/app.ts`).
// Configuration comes from CDK context (see build-app.ts); account and region from the CDK CLI's
// environment (the profile in use), or CDK_DEPLOY_ACCOUNT / CDK_DEPLOY_REGION to pin them.
import { App } from "aws-cdk-lib";
import { buildApp } from "./build-app.ts";
import { InfraConfigError } from "./config-error.ts";

const app = new App();
try {
  const account = process.env["CDK_DEPLOY_ACCOUNT"] ?? process.env["CDK_DEFAULT_ACCOUNT"];
  const region = process.env["CDK_DEPLOY_REGION"] ?? process.env["CDK_DEFAULT_REGION"];
  // Without an account and region the stacks are environment-agnostic: they synthesize, with tokens.
  buildApp(app, { ...(account ? { account } : {}), ...(region ? { region } : {}) });
} catch (error) {
  if (!(error instanceof InfraConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();
