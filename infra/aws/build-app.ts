// Reads the app's configuration from CDK context and adds the stacks it asks for. Each stack is made only
// when its context key is set, so either can be deployed alone (or used from another CDK app by its class).
//
//   cdk.json:  "context": { "agent-bridge:webhook": { ... }, "agent-bridge:bedrock": { ... } }
//   command:   npx cdk synth -c 'agent-bridge:bedrock={"projects":[...],"models":[...]}'
// A value given with -c arrives as a string and is read as JSON; `null` or `false` leaves a stack out.
import { Annotations, type App, type Environment } from "aws-cdk-lib";
import { BEDROCK_CONTEXT_KEY, type BedrockAccessConfigInput } from "./bedrock-access-config.ts";
import { BedrockAccessStack } from "./bedrock-access-stack.ts";
import { InfraConfigError } from "./config-error.ts";
import { WEBHOOK_CONTEXT_KEY, type WebhookConfigInput } from "./webhook-config.ts";
import { WebhookStack } from "./webhook-stack.ts";

export const WEBHOOK_STACK_ID = "AgentBridgeWebhook";
export const BEDROCK_STACK_ID = "AgentBridgeBedrockAccess";

// The placeholder host cdk.json ships with (RFC 2606: never a real GitLab).
const EXAMPLE_HOST = "gitlab.example.com";

export interface AgentBridgeStacks {
  webhook?: WebhookStack;
  bedrock?: BedrockAccessStack;
}

/** The context value as an object, undefined when the stack is left out. */
function contextValue(app: App, key: string): unknown {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === false || value === "null" || value === "false")
    return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InfraConfigError(key, `the -c ${key}=... value`, [
      { setting: key, expected: "a JSON object (quote it for the shell: -c '" + key + '={"...": ...}\')' },
    ]);
  }
}

export function buildApp(app: App, env: Environment): AgentBridgeStacks {
  const stacks: AgentBridgeStacks = {};
  const webhook = contextValue(app, WEBHOOK_CONTEXT_KEY);
  if (webhook !== undefined) {
    stacks.webhook = new WebhookStack(app, WEBHOOK_STACK_ID, {
      env,
      description: "agent-bridge: GitLab webhook receiver (Lambda Function URL, Secrets Manager)",
      // Checked by the stack itself, with errors that name the context key.
      config: webhook as WebhookConfigInput,
      configSource: `the context value "${WEBHOOK_CONTEXT_KEY}" (cdk.json or -c)`,
    });
  }
  const bedrock = contextValue(app, BEDROCK_CONTEXT_KEY);
  if (bedrock !== undefined) {
    stacks.bedrock = new BedrockAccessStack(app, BEDROCK_STACK_ID, {
      env,
      description: "agent-bridge: GitLab OIDC trust and a role that invokes Claude on Bedrock",
      config: bedrock as BedrockAccessConfigInput,
      configSource: `the context value "${BEDROCK_CONTEXT_KEY}" (cdk.json or -c)`,
    });
  }
  if (stacks.webhook === undefined && stacks.bedrock === undefined) {
    throw new InfraConfigError("agent-bridge CDK app", "cdk.json", [
      {
        setting: "context",
        expected: `set "${WEBHOOK_CONTEXT_KEY}" and/or "${BEDROCK_CONTEXT_KEY}" (see docs/deploy-aws.md)`,
      },
    ]);
  }
  for (const stack of [stacks.webhook, stacks.bedrock]) {
    if (stack && stack.config.gitlabUrl.includes(EXAMPLE_HOST)) {
      Annotations.of(stack).addWarningV2(
        "agent-bridge:example-config",
        `${stack.stackName} still uses the example configuration of cdk.json (${EXAMPLE_HOST}); set your GitLab URL, projects and models before deploying`,
      );
    }
  }
  return stacks;
}
