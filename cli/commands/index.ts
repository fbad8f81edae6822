// The registry of subcommands: names and summaries, and a loader per command. It must never import a
// command module eagerly: `agent-bridge run` in a CI job would then load the sandbox, the doctor and the
// cloud SDKs it never uses (test/unit/cli/import-graph.test.ts checks each command's import graph).
import type { CommandEntry } from "./command.ts";
import { fromCheckout } from "./development.ts";

export const commands: CommandEntry[] = [
  {
    name: "demo",
    summary: "run the whole flow offline: sandbox GitLab, receiver, CI job, real CLI, scripted model",
    load: () => fromCheckout("demo", async () => (await import("./demo.ts")).demoCommand),
  },
  {
    name: "sandbox",
    summary: "start the local GitLab sandbox (or a scripted model server)",
    load: () => fromCheckout("sandbox", async () => (await import("./sandbox.ts")).sandboxCommand),
  },
  {
    name: "serve",
    summary: "run the webhook receiver as an HTTP server",
    load: async () => (await import("./serve.ts")).serveCommand,
  },
  {
    name: "sweep",
    summary: "serve the mentions of the last minutes that no webhook delivery brought",
    load: async () => (await import("./sweep.ts")).sweepCommand,
  },
  {
    name: "webhook-secret",
    summary: "print a project's or group's webhook secret, derived from WEBHOOK_SECRET_KEY",
    load: async () => (await import("./webhook-secret.ts")).webhookSecretCommand,
  },
  {
    name: "run",
    summary: "run the assistant for one mention (what the CI job executes)",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "finalize",
    summary: 'after_script: mark a placeholder left "working" as failed',
    load: async () => (await import("./finalize.ts")).finalizeCommand,
  },
  {
    name: "mcp-server",
    summary: "(internal) the agent's MCP server, started by the CLI during 'run'",
    load: async () => (await import("./mcp-server.ts")).mcpServerCommand,
  },
  {
    name: "setup",
    summary: "connect a GitLab project: bot, variables, include block, webhook, doctor, test mention",
    load: async () => (await import("./setup.ts")).setupCommand,
  },
  {
    name: "doctor",
    summary: "check a project's GitLab setup for the bridge",
    load: async () => (await import("./doctor.ts")).doctorCommand,
  },
];
