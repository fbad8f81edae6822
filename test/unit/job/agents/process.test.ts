// runAgentProcess with real child processes (node and sh): stdin delivered then closed, stdout split into
// lines whatever the chunks, the deadline and the caller's signal stopping the whole session (SIGTERM, then
// SIGKILL for a child that ignores it), and nothing left running afterwards.
import { readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lastErrorLine, runAgentProcess, type AgentProcessOptions } from "../../../../job/agents/process.ts";

const node = process.execPath;

function run(overrides: Partial<AgentProcessOptions> & Pick<AgentProcessOptions, "args">) {
  const lines: string[] = [];
  const promise = runAgentProcess({
    command: node,
    cwd: process.cwd(),
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
    stdin: "",
    deadlineAt: Date.now() + 30_000,
    signal: new AbortController().signal,
    onLine: (line) => void lines.push(line),
    ...overrides,
  });
  return { lines, promise };
}

/** Processes whose environment holds the marker (Linux /proc). */
async function withMarker(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (environ.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** The marked processes still there after the killed ones had a moment to go (SIGKILL is not instant). */
async function gone(marker: string): Promise<number[]> {
  let left = await withMarker(marker);
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = await withMarker(marker);
  }
  return left;
}

describe("job/agents/process", () => {
  it("writes stdin, closes it, and hands stdout over line by line", async () => {
    const script = `
      let input = "";
      process.stdin.on("data", (d) => (input += d)).on("end", () => {
        process.stdout.write('{"a":');
        setTimeout(() => process.stdout.write('1}\\r\\nsecond\\n\\n' + input.toUpperCase()), 20);
      });`;
    const { lines, promise } = run({ args: ["-e", script], stdin: "third line, no newline" });
    const result = await promise;
    expect(result).toMatchObject({ code: 0, signal: null, stopped: null });
    expect(lines).toEqual(['{"a":1}', "second", "THIRD LINE, NO NEWLINE"]);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it("keeps the end of stderr for error messages", async () => {
    const script = `process.stderr.write("x".repeat(40000) + "\\nerror: it broke\\n"); process.exit(3)`;
    const result = await run({ args: ["-e", script] }).promise;
    expect(result.code).toBe(3);
    expect(result.stderrTail.length).toBeLessThanOrEqual(16 * 1024);
    expect(lastErrorLine(result.stderrTail)).toBe("error: it broke");
  });

  it("stops the whole session at the deadline: SIGKILL for what ignores SIGTERM", async () => {
    const marker = `AGENT_PROCESS_TEST=${Math.random()}`;
    const [name, value] = marker.split("=") as [string, string];
    // perl's setpgrp puts that child into a process group of its own, still in the CLI's session (as
    // Codex does with its MCP servers), so the group kill alone would miss it.
    const script = `trap '' TERM; perl -e 'setpgrp(0, 0); sleep 300' & node -e 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("up")'`;
    const { lines, promise } = run({
      command: "/bin/sh",
      args: ["-c", script],
      env: { PATH: `${node.replace(/\/node$/, "")}:${process.env["PATH"]}`, [name]: value },
      deadlineAt: Date.now() + 1_500,
      killGraceMs: 300,
    });
    const result = await promise;
    expect(lines).toEqual(["up"]);
    expect(result.stopped).toBe("deadline");
    expect(result.signal).toBe("SIGKILL");
    expect(await gone(marker)).toEqual([]);
  });

  it("stops a CLI that lingers after its final line", async () => {
    const { lines, promise } = run({
      args: ["-e", "console.log('working'); console.log('the end'); setInterval(() => {}, 1000)"],
      onLine: (line) => {
        lines.push(line);
        return line === "the end" ? "final" : undefined;
      },
      exitGraceMs: 200,
    });
    expect(await promise).toMatchObject({ stopped: "after-result", signal: "SIGTERM" });
    expect(lines).toEqual(["working", "the end"]);
  });

  it("stops the CLI at once when a line says the run cannot succeed", async () => {
    const { lines, promise } = run({
      args: ["-e", "console.log('init: tools missing'); setInterval(() => console.log('still going'), 5)"],
      onLine: (line) => {
        lines.push(line);
        return line.startsWith("init:") ? "abort" : undefined;
      },
    });
    expect(await promise).toMatchObject({ stopped: "aborted", signal: "SIGTERM" });
    expect(lines[0]).toBe("init: tools missing");
  });

  it("stops on the caller's signal, and does not start when it already fired", async () => {
    const controller = new AbortController();
    const { promise } = run({
      args: ["-e", "setInterval(() => {}, 1000); console.log('up')"],
      signal: controller.signal,
      onLine: () => controller.abort(),
    });
    expect(await promise).toMatchObject({ stopped: "signal", signal: "SIGTERM" });

    const early = await run({ args: ["-e", "console.log('never')"], signal: AbortSignal.abort() }).promise;
    expect(early).toMatchObject({ stopped: "signal", code: null, durationMs: 0 });
    const late = await run({ args: ["-e", "console.log('never')"], deadlineAt: Date.now() - 1 }).promise;
    expect(late).toMatchObject({ stopped: "deadline", code: null });
  });

  it("kills what the CLI left running when it exits", async () => {
    const marker = `AGENT_PROCESS_TEST=${Math.random()}`;
    const [name, value] = marker.split("=") as [string, string];
    const ready = join(tmpdir(), `agent-process-ready-${process.pid}-${Date.now()}`);
    // The CLI exits once its leftover child has a process group of its own.
    const script = `perl -e 'setpgrp(0, 0); open(my $f, ">", $ENV{READY}); close($f); sleep 300' >/dev/null 2>&1 &
      while [ ! -e "$READY" ]; do sleep 0.01; done; echo started`;
    const result = await run({
      command: "/bin/sh",
      args: ["-c", script],
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", READY: ready, [name]: value },
    }).promise;
    await rm(ready, { force: true });
    expect(result).toMatchObject({ code: 0, stopped: null });
    expect(await gone(marker)).toEqual([]);
  });

  it("stops waiting for output held open by a process that left the session", async () => {
    const marker = `AGENT_PROCESS_TEST=${Math.random()}`;
    const [name, value] = marker.split("=") as [string, string];
    const ready = join(tmpdir(), `agent-process-ready-${process.pid}-${Date.now()}`);
    // The CLI exits once its child has a session of its own (and still holds stdout).
    const script = `setsid perl -e 'open(my $f, ">", $ENV{READY}); close($f); sleep 300' &
      while [ ! -e "$READY" ]; do sleep 0.01; done; echo started`;
    try {
      const result = await run({
        command: "/bin/sh",
        args: ["-c", script],
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", READY: ready, [name]: value },
      }).promise;
      expect(result).toMatchObject({ code: 0, stopped: null });
    } finally {
      // It escaped every kill the runner can make; the test cleans up after itself.
      for (const pid of await withMarker(marker)) process.kill(pid, "SIGKILL");
      await rm(ready, { force: true });
    }
  });

  it("rejects when the program cannot be started", async () => {
    await expect(run({ command: "/nonexistent/claude", args: [] }).promise).rejects.toThrow(/ENOENT/);
  });

  it("finds the telling line of stderr", () => {
    expect(lastErrorLine("warming up\nError: bubblewrap is required\n    at x\n")).toBe(
      "Error: bubblewrap is required",
    );
    expect(lastErrorLine("just noise\nlast words\n")).toBe("last words");
    expect(lastErrorLine("")).toBeUndefined();
  });
});
