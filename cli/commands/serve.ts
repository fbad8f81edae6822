// `agent-bridge serve`: the webhook receiver as a long-running HTTP server (a container, a VM, or next to
// the sandbox). Settings come from the environment, checked all at once before anything listens; once
// listening it prints one JSON line with its URLs, then one JSON line a delivery and a mention task. A delivery
// is answered once its mention is queued; the GitLab work runs from the queue, retried with back-off.
// SIGINT or SIGTERM stops it gracefully: deliveries under way finish, then the queue is drained.
import { parseArgs } from "node:util";
import { SettingsError } from "../../shared/config/settings-error.ts";
import { WEBHOOK_SETTINGS_DOC } from "../../shared/config/webhook-settings.ts";
import { HEALTH_PATH, startWebhookServer, WEBHOOK_PATH } from "../../functions/node/server.ts";
import { createInProcessReceiverFromEnv } from "../../functions/node/in-process.ts";
import { createSweep, sweepSchedule } from "../../functions/sweep-runner.ts";
import type { Command } from "./command.ts";

const DEFAULT_PORT = 8080;
// Every interface: GitLab must reach the receiver, and inside a container the loopback is not reachable.
// Safe to expose: /webhook verifies each request's secret, /healthz says nothing.
const DEFAULT_HOST = "0.0.0.0";
// How long a stop waits for queued mentions (back-offs cut short) before leaving them to the next sweep.
const DRAIN_GRACE_MS = 20_000;

function settingsHelp(): string {
  return WEBHOOK_SETTINGS_DOC.map((doc) => {
    const tag = doc.required ? " (required)" : doc.default === null ? "" : ` (default: ${doc.default})`;
    return `  ${doc.name}${tag}\n      ${doc.description}`;
  }).join("\n");
}

const help = () => `Usage: agent-bridge serve [--port N] [--host H]

Runs the webhook receiver as an HTTP server. Point the GitLab project's (or group's) webhook at
<url>/webhook with "Comments" (and "Confidential comments") events and the secret token in WEBHOOK_SECRET.

Routes:
  POST ${WEBHOOK_PATH}   GitLab's Note Hook deliveries
  GET  ${HEALTH_PATH}   200 {"ok":true}, for load balancers and container health checks

A delivery is answered 202 once its mention is queued; the GitLab work (claim, placeholder, pipeline) runs
from an in-process queue, retried with back-off from 1 s to 2 min, at most 1000 mentions waiting.

Once listening it prints exactly one JSON line, then one JSON line per delivery and per mention task:
  {"url":"http://127.0.0.1:8080","webhookUrl":"http://127.0.0.1:8080/webhook"}
(the loopback address stands for "every interface" when listening on 0.0.0.0). SIGINT or SIGTERM stops it
after the deliveries under way have finished and the queue is drained; a second signal stops it at once.

Mentions no delivery brought (the receiver was down, a delivery GitLab never made) are found by the
sweep, at start and every SWEEP_INTERVAL_SECONDS (default 60, 0 for never), looking back
SWEEP_WINDOW_MINUTES (default 10); 'agent-bridge sweep' runs it once.

Options:
  --port N     port to listen on, 0 for a free one (default: $PORT, else ${DEFAULT_PORT})
  --host H     address to listen on (default ${DEFAULT_HOST}, every interface; 127.0.0.1 for this machine only)
  -h, --help   show this help

Environment:
${settingsHelp()}`;

export const serveCommand: Command = {
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          port: { type: "string" },
          host: { type: "string", default: DEFAULT_HOST },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      console.error(
        `agent-bridge serve: ${(e as Error).message}\n\nRun 'agent-bridge serve --help' for usage.`,
      );
      return 2;
    }
    if (values.help) {
      console.log(help());
      return 0;
    }

    const portText = values.port ?? process.env["PORT"] ?? String(DEFAULT_PORT);
    const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(port) || port > 65_535) {
      const from = values.port === undefined ? "$PORT" : "--port";
      console.error(`agent-bridge serve: ${from} expects a port number from 0 to 65535, got "${portText}"`);
      return 2;
    }
    if (values.host.trim() === "") {
      console.error("agent-bridge serve: --host expects an address, e.g. 127.0.0.1 or 0.0.0.0");
      return 2;
    }

    const schedule = sweepSchedule(process.env);
    if ("error" in schedule) {
      console.error(`agent-bridge serve: ${schedule.error}`);
      return 2;
    }
    let wired;
    try {
      wired = createInProcessReceiverFromEnv(process.env);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      console.error(
        `agent-bridge serve: ${error.message}\nRun 'agent-bridge serve --help' for every variable.`,
      );
      return 2;
    }

    let server;
    try {
      server = await startWebhookServer({
        handler: wired.handler,
        port,
        host: values.host,
        maxBodyBytes: wired.settings.maxBodyBytes,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === "EADDRINUSE"
          ? `port ${port} is already in use; choose another with --port`
          : code === "EADDRNOTAVAIL" || code === "ENOTFOUND"
            ? `cannot listen on "${values.host}": not an address of this machine`
            : code === "EACCES"
              ? `not allowed to listen on port ${port}; use a port above 1023`
              : (error as Error).message;
      console.error(`agent-bridge serve: ${why}`);
      return 1;
    }
    console.log(JSON.stringify({ url: server.url, webhookUrl: server.webhookUrl }));

    // The catch-up sweep: at start (mentions made while it was down) and every SWEEP_INTERVAL_SECONDS.
    let sweepTimer: NodeJS.Timeout | undefined;
    if (schedule.intervalSeconds > 0) {
      const queue = wired.queue;
      const sweep = createSweep(wired.settings, (task) => queue.add(task), {
        windowMinutes: schedule.windowMinutes,
      });
      let running: Promise<unknown> | undefined;
      const tick = () => {
        running ??= sweep()
          .catch(() => undefined)
          .finally(() => (running = undefined));
      };
      tick();
      sweepTimer = setInterval(tick, schedule.intervalSeconds * 1000);
      sweepTimer.unref();
    }

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    // A second signal while draining: the person means it.
    const force = () => process.exit(130);
    process.once("SIGINT", force);
    process.once("SIGTERM", force);
    console.error(`agent-bridge serve: ${signal}, finishing the deliveries and mentions under way`);
    clearInterval(sweepTimer);
    await server.close();
    await wired.queue.drain(DRAIN_GRACE_MS);
    process.off("SIGINT", force);
    process.off("SIGTERM", force);
    return 0;
  },
};
