export * from "./settings-error.ts";
export * from "./webhook-settings.ts";
