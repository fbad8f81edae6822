// Synthesizes the agent-bridge stacks for assertions. Bundling is skipped unless asked for (context
// aws:cdk:bundling-stacks = []): the template is the same, only the asset is not built. Every app writes
// to a temporary cdk.out that CloudAssembly.cleanupTemporaryDirectories() removes in afterAll.
import { App, type Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { BedrockAccessStack } from "../../../infra/aws/bedrock-access-stack.ts";
import type { BedrockAccessConfigInput } from "../../../infra/aws/bedrock-access-config.ts";
import type { WebhookConfigInput } from "../../../infra/aws/webhook-config.ts";
import { WebhookStack } from "../../../infra/aws/webhook-stack.ts";

export const TEST_ENV = { account: "123456789012", region: "eu-west-1" } as const;

export function testApp(options: { bundling?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    context: { ...(options.bundling ? {} : { "aws:cdk:bundling-stacks": [] }), ...options.context },
  });
}

export function synthWebhook(config: WebhookConfigInput, options: { bundling?: boolean } = {}) {
  const stack = new WebhookStack(testApp(options), "Webhook", { env: TEST_ENV, config });
  return { stack, template: Template.fromStack(stack) };
}

export function synthBedrock(config: BedrockAccessConfigInput) {
  const stack = new BedrockAccessStack(testApp(), "Bedrock", { env: TEST_ENV, config });
  return { stack, template: Template.fromStack(stack) };
}

/** The one resource of a type, failing with the count when there is not exactly one. */
export function only(template: Template, type: string): { id: string; resource: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, Record<string, unknown>];
  return { id, resource };
}

/** The one resource of a type whose logical id starts with `prefix` ("Handler", "Worker", "HandlerServiceRole"). */
export function named(
  template: Template,
  type: string,
  prefix: string,
): { id: string; resource: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type)).filter(([id]) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  if (found.length !== 1) throw new Error(`expected exactly one ${type} ${prefix}, found ${found.length}`);
  const [id, resource] = found[0] as [string, Record<string, unknown>];
  return { id, resource };
}

/** Properties of a resource, typed loosely for assertions. */
export function props(resource: Record<string, unknown>): Record<string, unknown> {
  return (resource["Properties"] ?? {}) as Record<string, unknown>;
}

/**
 * The template with what varies by machine replaced: asset hashes (they hash absolute paths when
 * bundling is skipped) become "<asset>".
 */
export function stableTemplate(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack).toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip)?/g, "<asset>$1"));
}
