// Webhook settings for unit tests, through the real loader.
import { loadWebhookSettings, type WebhookSettings } from "../../../shared/config/webhook-settings.ts";

export const TEST_SECRET = "test-webhook-secret";
export const TEST_TOKEN = "glpat-test-token-never-logged";
export const BRIDGE_USER = 4242;

export function testSettings(env: Record<string, string | undefined> = {}): WebhookSettings {
  return loadWebhookSettings({
    GITLAB_URL: "https://gitlab.example.com",
    GITLAB_TOKEN: TEST_TOKEN,
    WEBHOOK_SECRET: TEST_SECRET,
    BRIDGE_USER_ID: String(BRIDGE_USER),
    ...env,
  });
}
