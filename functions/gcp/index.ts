// The Google Cloud entry point: registers the HTTP function `agentBridgeWebhook` (the deploy's entry
// point). Settings, secrets included, come from the environment: Secret Manager secrets are mounted as
// environment variables (`secret_environment_variables`). They are loaded when the instance starts, so a
// bad setting fails the start, and with it the deploy, while the previous revision keeps serving; the log
// lists every bad variable, never a value.
import { http } from "@google-cloud/functions-framework";
import { SettingsError } from "../../shared/config/settings-error.ts";
import { createHandlerFromEnv } from "../shared-wiring.ts";
import { createCloudFunction } from "./cloud-function.ts";

export const FUNCTION_NAME = "agentBridgeWebhook";

let wired: ReturnType<typeof createHandlerFromEnv>;
try {
  wired = createHandlerFromEnv(process.env);
} catch (error) {
  if (error instanceof SettingsError) console.error(error.message);
  throw error;
}

http(FUNCTION_NAME, createCloudFunction(wired.handler));
