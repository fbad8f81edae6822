// `agent-bridge sandbox model` as a process: one JSON line with the url, serves, stops on a signal.
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseSse } from "../../../sandbox/models/sse.ts";
import { runCli } from "./run-cli.ts";
import { tempDir } from "./temp-git-repo.ts";
import type { TempDir } from "./temp-git-repo.ts";

const runTs = fileURLToPath(new URL("../../../bin/run-ts.js", import.meta.url));
const main = fileURLToPath(new URL("./model-command-main.ts", import.meta.url));
const cwd = fileURLToPath(new URL("../../..", import.meta.url));

describe("sandbox model command", () => {
  let dir: TempDir | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(async () => {
    if (child?.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    child = undefined;
    await dir?.remove();
    dir = undefined;
  });

  function command(args: string[], signal: AbortSignal) {
    return runCli(process.execPath, [runTs, main, ...args], {
      cwd,
      env: { ...process.env } as Record<string, string>,
      signal,
      timeoutMs: 30_000,
    });
  }

  it("prints its help", async ({ signal }) => {
    const run = await command(["--help"], signal);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--api anthropic|openai --script FILE.json");
  });

  it("refuses bad options with exit code 2", async ({ signal }) => {
    const run = await command(["--api", "gemini", "--script", "x.json"], signal);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("api");
    expect((await command(["--bogus"], signal)).code).toBe(2);
  });

  it("fails with exit code 1 on a script that does not parse", async ({ signal }) => {
    dir = await tempDir("model-command");
    const file = join(dir.path, "bad.json");
    await writeFile(file, JSON.stringify({ turns: [[{ nope: true }]] }));
    const run = await command(["--api", "openai", "--script", file], signal);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not a model script");
  });

  it("serves the script, prints the url as one JSON line, and stops on SIGTERM", async () => {
    dir = await tempDir("model-command");
    const file = join(dir.path, "script.json");
    await writeFile(file, JSON.stringify({ turns: [[{ text: "from the file" }]] }));
    const started = spawn(process.execPath, [runTs, main, "--api", "anthropic", "--script", file], { cwd });
    child = started;
    let stderr = "";
    started.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => started.on("close", (code) => resolve(code)));

    const firstLine = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      started.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const end = stdout.indexOf("\n");
        if (end !== -1) resolve(stdout.slice(0, end));
      });
      started.on("close", () => reject(new Error(`exited before printing the url: ${stderr}`)));
    });
    const { url } = JSON.parse(firstLine) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const response = await fetch(`${url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({
        model: "m",
        stream: true,
        tools: [{ name: "Read" }],
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const events = parseSse(await response.text());
    expect(events[2]!.data).toMatchObject({ delta: { text: "from the file" } });

    started.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain("POST /v1/messages → turn 0\n");
    expect(stderr).toContain("SIGTERM, served 1 request(s)");
  });
});
