export * from "./settings-error.ts";
export * from "./webhook-settings.ts";
export * from "./job-settings.ts";
export * from "./split-args.ts";
