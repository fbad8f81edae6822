// `agent-bridge sandbox`: starts the local GitLab and prints one JSON line with its URL and admin token;
// `agent-bridge sandbox model`: starts a scripted model server for the real CLIs.
import { parseArgs } from "node:util";
import { runModelCommand } from "../../sandbox/models/cli.ts";
import { startSandbox } from "../../sandbox/server.ts";
import type { Command } from "./command.ts";

const help = `Usage: agent-bridge sandbox [--port N] [--latency-ms N] [--admin-token T]
       agent-bridge sandbox model --api anthropic|openai --script FILE.json [--port N]

Starts the sandbox: a local GitLab on 127.0.0.1 that speaks GitLab's REST v4 API (the part agent-bridge
uses), git over HTTP, delivers webhooks and runs pipelines with a shell runner. State is kept in memory and
its repositories in a temporary directory removed on exit. Once listening it prints exactly one JSON line:
  {"url":"http://127.0.0.1:PORT","adminToken":"..."}
and runs until SIGINT or SIGTERM. The control API is under <url>/-/sandbox/ (state, faults, latency,
idle, reset; admin token required).

Options:
  --port N          port to listen on (0, the default, picks a free one)
  --latency-ms N    delay added to every API answer (default 0)
  --admin-token T   use this admin token instead of a random one
  -h, --help        show this help

'sandbox model' starts a scripted Anthropic Messages or OpenAI Responses server; see its --help.`;

export const sandboxCommand: Command = {
  async run(args) {
    if (args[0] === "model") return runModelCommand(args.slice(1));
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          port: { type: "string", default: "0" },
          "latency-ms": { type: "string", default: "0" },
          "admin-token": { type: "string" },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
      }));
    } catch (e) {
      console.error(`agent-bridge sandbox: ${(e as Error).message}\n\n${help}`);
      return 2;
    }
    if (values.help) {
      console.log(help);
      return 0;
    }
    const port = Number(values.port);
    const latencyMs = Number(values["latency-ms"]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error("agent-bridge sandbox: --port expects an integer from 0 to 65535");
      return 2;
    }
    if (!Number.isInteger(latencyMs) || latencyMs < 0) {
      console.error("agent-bridge sandbox: --latency-ms expects a non-negative integer");
      return 2;
    }
    const sandbox = await startSandbox({
      port,
      latencyMs,
      ...(values["admin-token"] ? { adminToken: values["admin-token"] } : {}),
    });
    console.log(JSON.stringify({ url: sandbox.url, adminToken: sandbox.adminToken }));
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await sandbox.close();
    return 0;
  },
};
