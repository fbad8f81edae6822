// Runs one agent CLI as a child process: its own process group, the prompt written to stdin and stdin then
// closed (both CLIs wait on an open stdin), stdout handed over line by line as it comes, and the whole
// group stopped at the deadline or on the caller's signal: SIGTERM first, SIGKILL after a grace period.
// It never throws for what the child does (a crash, a signal, garbage output); only a failed spawn rejects.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface AgentProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The child's complete environment: nothing of this process's environment is added. */
  env: Record<string, string>;
  /** The user and group the child runs as (the agent's box, when the job is root). */
  uid?: number;
  gid?: number;
  /** Written to stdin, which is then closed. */
  stdin: string;
  /** Epoch ms at which the process group gets SIGTERM. */
  deadlineAt: number;
  signal: AbortSignal;
  /** How long after SIGTERM the group gets SIGKILL (default 5000 ms). */
  killGraceMs?: number;
  /**
   * Each complete stdout line, without its newline, as it arrives. Returning "final" says the CLI has
   * reported its outcome: if it has not exited exitGraceMs later (a stuck MCP server, a background job
   * holding it), it is stopped, with `stopped: "after-result"`. Returning "abort" says the run cannot
   * succeed (the reader saw why): the CLI is stopped at once, with `stopped: "aborted"`.
   */
  onLine(line: string): LineVerdict;
  /** Default 10 000 ms. */
  exitGraceMs?: number;
  /** Epoch ms; default Date.now. */
  now?: () => number;
}

export type LineVerdict = void | "final" | "abort";

export interface AgentProcessResult {
  /** null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the runner stopped the process, if it did. */
  stopped: "deadline" | "signal" | "after-result" | "aborted" | null;
  /** The last few KiB of stderr, for error messages. */
  stderrTail: string;
  durationMs: number;
}

const STDERR_TAIL_BYTES = 16 * 1024;
// setTimeout takes at most 2^31-1 ms; a deadline further away is re-armed when that fires.
const MAX_TIMER_MS = 2_147_483_647;

/** Spawns the CLI and resolves when it and its stdio are done. Rejects only when it cannot be started. */
export function runAgentProcess(options: AgentProcessOptions): Promise<AgentProcessResult> {
  const now = options.now ?? Date.now;
  const graceMs = options.killGraceMs ?? 5_000;
  const started = now();
  if (options.signal.aborted || options.deadlineAt <= started) {
    const stopped = options.signal.aborted ? "signal" : "deadline";
    return Promise.resolve({ code: null, signal: null, stopped, stderrTail: "", durationMs: 0 });
  }

  return new Promise((resolve, reject) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so the shells, MCP servers and stray background jobs it starts can be
      // stopped with it in one kill.
      detached: true,
    });

    let stopped: AgentProcessResult["stopped"] = null;
    let exited = false;
    let stderr = "";
    let pending = "";
    let deadlineTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let lingerTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
      // Some children get a process group of their own (Codex starts its MCP servers so); they still
      // belong to the CLI's session.
      killSession(child.pid, sig);
    };
    const stop = (why: NonNullable<AgentProcessResult["stopped"]>): void => {
      if (stopped !== null || exited) return;
      stopped = why;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), graceMs);
      killTimer.unref();
    };
    const armDeadline = (): void => {
      const wait = options.deadlineAt - now();
      if (wait <= 0) return stop("deadline");
      deadlineTimer = setTimeout(armDeadline, Math.min(wait, MAX_TIMER_MS));
    };
    const onAbort = (): void => stop("signal");
    const onLine = (line: string): void => {
      const verdict = options.onLine(line);
      if (verdict === "abort") stop("aborted");
      else if (verdict === "final" && lingerTimer === undefined) {
        lingerTimer = setTimeout(() => stop("after-result"), options.exitGraceMs ?? 10_000);
      }
    };

    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        const line = pending.slice(0, newline).replace(/\r$/, "");
        pending = pending.slice(newline + 1);
        if (line !== "") onLine(line);
        newline = pending.indexOf("\n");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // The child may exit (or never read) before the prompt is written: that is its failure to report,
    // not a crash of the runner.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin);

    child.once("error", (error) => {
      cleanup();
      reject(error);
    });
    child.once("exit", () => {
      exited = true;
      // Whatever the CLI left running in its group (a background job of the agent, an MCP server that
      // ignores a closed stdin) goes with it; it would otherwise hold stdout open and keep the job waiting.
      killGroup("SIGKILL");
      // A process that escaped the session (setsid) may still hold the pipes: stop reading after a moment.
      closeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2_000);
      closeTimer.unref();
    });
    child.once("close", (code, signal) => {
      cleanup();
      if (pending.trim() !== "") onLine(pending);
      resolve({ code, signal, stopped, stderrTail: stderr, durationMs: now() - started });
    });

    function cleanup(): void {
      clearTimeout(deadlineTimer);
      clearTimeout(killTimer);
      clearTimeout(lingerTimer);
      clearTimeout(closeTimer);
      options.signal.removeEventListener("abort", onAbort);
    }

    options.signal.addEventListener("abort", onAbort, { once: true });
    armDeadline();
  });
}

/**
 * Signals every process of a session (Linux /proc; elsewhere nothing, the group kill has to do). `detached`
 * makes the CLI a session leader, so its session id is its pid and every descendant that does not call
 * setsid itself carries it.
 */
export function killSession(sessionId: number, sig: NodeJS.Signals): void {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so split after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[3]) === sessionId) process.kill(pid, sig);
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
}

/** The most telling line of a CLI's stderr: the last one that says "error", else the last non-empty one. */
export function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && line.length < 2_000);
  return lines.findLast((line) => /\berror\b/i.test(line)) ?? lines.at(-1);
}
