// Runs one command in its own process group so a timeout or a cancel can stop it together with everything it
// started (SIGTERM to the group, SIGKILL after a grace period). When the command exits, whatever it left
// running in its group is killed too, as a CI runner does at the end of a job step.
import { spawn } from "node:child_process";

export interface ProcessGroupOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  onOutput(chunk: string): void;
}

export interface ProcessGroupOutcome {
  /** How it ended: by itself, stopped at the timeout, or stopped because the signal aborted. */
  ended: "exited" | "timeout" | "aborted";
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  spawnError?: Error;
}

// After the leader exits, a descendant that moved to its own session could still hold the output pipes open.
const pipeDrainMs = 2000;

export function runProcessGroup(
  command: string,
  args: readonly string[],
  options: ProcessGroupOptions,
): Promise<ProcessGroupOutcome> {
  return new Promise((resolve) => {
    let ended: ProcessGroupOutcome["ended"] = "exited";
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let exited = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => options.onOutput(chunk));
    child.stderr.on("data", (chunk: string) => options.onOutput(chunk));

    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = (why: "timeout" | "aborted"): void => {
      if (exited || ended !== "exited") return;
      ended = why;
      killGroup("SIGTERM");
      timers.push(setTimeout(() => killGroup("SIGKILL"), options.killGraceMs));
    };
    const onAbort = (): void => stop("aborted");
    const finish = (spawnError?: Error): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      const outcome: ProcessGroupOutcome = { ended, exitCode, exitSignal };
      if (spawnError) outcome.spawnError = spawnError;
      resolve(outcome);
    };

    // setTimeout fires at once for delays beyond 2^31-1 ms: cap them (about 24 days is "no limit" here).
    timers.push(setTimeout(() => stop("timeout"), Math.min(Math.max(0, options.timeoutMs), 2 ** 31 - 1)));
    if (options.signal?.aborted) stop("aborted");
    else options.signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (error) => {
      exited = true;
      finish(error);
    });
    child.on("exit", (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      killGroup("SIGKILL");
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, pipeDrainMs),
      );
    });
    child.on("close", () => finish());
  });
}
