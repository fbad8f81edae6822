// Starts the receiver as users run it, `agent-bridge serve` in its own process, reads the URL it prints and
// keeps every JSON line it logs after, so tests can wait for what it reports (a mention served) instead of
// waiting for time.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const AGENT_BRIDGE_BIN = fileURLToPath(new URL("../../bin/agent-bridge.js", import.meta.url));

export type LogLine = Record<string, unknown>;

export interface ServeLog {
  lines: LogLine[];
  /** Resolves with the first line (already logged from index `from` on, or to come) that matches. */
  waitFor(match: (line: LogLine) => boolean, from?: number): Promise<LogLine>;
}

/** The receiver is done with a note: answered without a task, or a task attempt that will not be retried. */
export function settledNote(noteId: number): (line: LogLine) => boolean {
  return (line) =>
    line["noteId"] === noteId &&
    ((line["msg"] === "webhook delivery" && line["result"] !== "accepted") ||
      (line["msg"] === "mention task" && line["result"] !== "error"));
}

/**
 * The receiver is done with the next Issue Hook or Merge Request Hook delivery: answered without a task, or
 * its task's attempt that will not be retried. Wait from the log's length before the change was made.
 */
export function settledChange(line: LogLine): boolean {
  return (
    (line["msg"] === "webhook delivery" && line["result"] !== "accepted") ||
    (line["msg"] === "issuable task" && line["result"] !== "error")
  );
}

export async function startServe(
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<{ child: ChildProcess; webhookUrl: string; log: ServeLog }> {
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
  const logged: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  // Keep reading so the child never blocks on a full stdout pipe (it logs one line per delivery).
  lines.on("line", (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    logged.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const log: ServeLog = {
    lines: logged,
    waitFor: (match, from = 0) => {
      const found = logged.slice(from).find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.add({ match, resolve });
        child.once("exit", (code) => reject(new Error(`agent-bridge serve exited with ${code}`)));
      });
    },
  };
  return { child, webhookUrl: (JSON.parse(first) as { webhookUrl: string }).webhookUrl, log };
}
