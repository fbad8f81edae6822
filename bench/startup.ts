// How fast agent-bridge's processes start, medians of fresh processes, against `node -e ""` in the same run:
//   1. `agent-bridge --help`;
//   2. `agent-bridge mcp-server` until it answers an MCP `initialize` request (in front of a real tool bridge:
//      the server asks it for its tools before it serves), the figure that decides whether the agent's
//      first turn has the tools;
//   3. the Lambda bundle's size and its cold import.
// Each is measured from the TypeScript sources through tsx (cache warm, and empty as in a CI job whose user
// did not fill it) and from a fresh build (scripts/build.ts into node_modules/.cache), plus what
// bin/agent-bridge.js picks in this checkout. `--before DIR` adds another checkout's bin/agent-bridge.js
// (for example the commit before the build, unpacked with `git archive`, node_modules linked).
//
//   node bin/run-ts.js bench/startup.ts [--runs N] [--before DIR]
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startToolBridge } from "../job/mcp/tool-bridge.ts";
import { buildPackage } from "../scripts/build.ts";
import { bundleLambdaHandler, coldImportMs, median } from "./lambda-bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Variant {
  name: string;
  /** argv (after node) that runs `agent-bridge ARGS`. */
  cli(args: string[]): string[];
  /** argv (after node) that starts the MCP server. */
  mcpServer: string[];
  env?: Record<string, string>;
}

/** `node -e SCRIPT` that runs a CLI main(argv), with tsx registered first for a .ts module. */
function mainScript(module: string, args: string[], tsx: boolean): string[] {
  const url = JSON.stringify(pathToFileURL(module).href);
  const setup = tsx
    ? `const { register } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "node_modules/tsx/dist/esm/api/index.mjs")).href)}); register();`
    : "process.setSourceMapsEnabled(true);";
  const script = `${setup} const { main } = await import(${url}); process.exitCode = await main(${JSON.stringify(args)});`;
  return ["--input-type=module", "-e", script];
}

/** Wall time of one process from spawn to exit, in ms; its stdout is discarded. */
function timeProcess(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`exit ${code}`)),
    );
  });
}

/** From spawn until the MCP server's answer to `initialize` arrives on its stdout, in ms. */
function timeMcpReady(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, argv, { env, stdio: ["pipe", "pipe", "inherit"] });
    child.on("error", reject);
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "bench", version: "1" },
      },
    };
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (!out.includes('"id":1')) return;
      const ms = performance.now() - start;
      child.stdin.end();
      child.on("close", () => resolve(ms));
    });
  });
}

async function medianOf(runs: number, once: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return median(times);
}

const round = (ms: number) => Math.round(ms);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "7" }, before: { type: "string" } },
    strict: true,
  });
  const runs = Number(values.runs);
  const cache = join(ROOT, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const outDir = await mkdtemp(join(cache, "agent-bridge-bench-startup-"));
  const bridge = await startToolBridge({
    gitlab: { request: () => Promise.reject(new Error("no GitLab call in this bench")) },
    event: {
      assistant: "claude",
      projectId: 1,
      projectPath: "bench/project",
      noteableType: "Issue",
      noteableIid: 1,
      noteId: 1,
      discussionId: null,
      placeholderNoteId: 2,
      authorId: 1,
      authorUsername: "bench",
      confidential: false,
    },
    onProgress: () => undefined,
    minProgressIntervalMs: 0,
    redact: (text) => text,
  });
  try {
    await buildPackage({ outDir });
    const baseEnv = { PATH: process.env["PATH"] ?? "", ...bridge.launch.env };
    const cold = { TSX_DISABLE_CACHE: "1" };
    const runTs = join(ROOT, "bin", "run-ts.js");
    const bin = join(ROOT, "bin", "agent-bridge.js");
    const variants: Variant[] = [
      {
        name: "sources via tsx (cache warm)",
        cli: (args) => mainScript(join(ROOT, "cli", "main.ts"), args, true),
        mcpServer: [runTs, join(ROOT, "job", "mcp", "main.ts")],
      },
      {
        name: "sources via tsx (cache empty)",
        cli: (args) => mainScript(join(ROOT, "cli", "main.ts"), args, true),
        mcpServer: [runTs, join(ROOT, "job", "mcp", "main.ts")],
        env: cold,
      },
      {
        name: "build (dist/)",
        cli: (args) => mainScript(join(outDir, "cli.js"), args, false),
        mcpServer: ["--enable-source-maps", join(outDir, "mcp-server.js")],
      },
      { name: "bin/agent-bridge.js here", cli: (args) => [bin, ...args], mcpServer: [bin, "mcp-server"] },
    ];
    if (values.before !== undefined) {
      const before = join(values.before, "bin", "agent-bridge.js");
      for (const env of [{}, cold]) {
        variants.push({
          name: `before: ${values.before} (tsx cache ${env === cold ? "empty" : "warm"})`,
          cli: (args) => [before, ...args],
          mcpServer: [before, "mcp-server"],
          env,
        });
      }
    }

    // Warm the page cache and tsx's cache once, so "warm" means warm.
    for (const variant of variants) await timeProcess(variant.cli(["--help"]), { ...baseEnv });
    const empty = await medianOf(runs, () => timeProcess(["-e", ""], baseEnv));
    const rows: Record<string, string | number>[] = [];
    for (const variant of variants) {
      const env = { ...baseEnv, ...variant.env };
      const help = await medianOf(runs, () => timeProcess(variant.cli(["--help"]), env));
      const mcp = await medianOf(runs, () => timeMcpReady(variant.mcpServer, env));
      rows.push({
        variant: variant.name,
        "--help ms": round(help),
        "mcp-server ready ms": round(mcp),
        "--help minus node ms": round(help - empty),
      });
    }
    console.log(`Startup, medians of ${runs} fresh processes; node -e "" takes ${round(empty)} ms here.`);
    console.table(rows);

    const bundles = await bundleLambdaHandler();
    const lambda: Record<string, string | number>[] = [];
    for (const bundle of bundles) {
      const imported = await coldImportMs(bundle.file, runs);
      lambda.push({
        variant: bundle.variant,
        KiB: Math.round(bundle.bytes / 1024),
        "gzip KiB": Math.round(bundle.gzipBytes / 1024),
        "cold import ms": Math.round(imported.importMs * 10) / 10,
        "process ms": round(imported.processMs),
        'node -e "" ms': round(imported.emptyProcessMs),
        "largest inputs": bundle.inputs
          .slice(0, 3)
          .map((input) => `${input.source} ${Math.round(input.bytes / 1024)}`)
          .join(", "),
      });
    }
    console.log("Lambda bundle (scripts/build.ts lambdaBuildOptions), cold import in a fresh node:");
    console.table(lambda);
  } finally {
    await bridge.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

await main();
