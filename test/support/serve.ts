// Starts the receiver as users run it, `agent-bridge serve` in its own process, and reads the URL it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const AGENT_BRIDGE_BIN = fileURLToPath(new URL("../../bin/agent-bridge.js", import.meta.url));

export async function startServe(
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<{ child: ChildProcess; webhookUrl: string }> {
  const port = String(options.port ?? 0);
  const child = spawn(process.execPath, [AGENT_BRIDGE_BIN, "serve", "--port", port, "--host", "127.0.0.1"], {
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`agent-bridge serve exited with ${code}`)));
  });
  // Keep reading so the child never blocks on a full stdout pipe (it logs one line per delivery).
  lines.on("line", () => {});
  return { child, webhookUrl: (JSON.parse(first) as { webhookUrl: string }).webhookUrl };
}
