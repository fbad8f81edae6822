// How fast agent-bridge's processes start, medians of fresh processes, against `node -e ""` in the same run:
//   1. `agent-bridge --help`;
//   2. `agent-bridge mcp-server` until it answers an MCP `initialize` request (in front of a real tool bridge:
//      the server asks it for its tools before it serves), the figure that decides whether the agent's
//      first turn has the tools;
//   3. `agent-bridge run` from its start to its first GitLab request (the GitLab here is a listener that
//      notes the request's arrival and ends the run: what comes after is bench/job.ts's figure);
//   4. the Lambda bundle's size and its cold import.
// Each is measured from the TypeScript sources through tsx (cache warm, and empty as in a CI job whose user
// did not fill it) and from a fresh build (scripts/build.ts into node_modules/.cache), plus what
// bin/agent-bridge.js picks in this checkout. `--before DIR` adds another checkout's bin/agent-bridge.js
// (for example the commit before the build, unpacked with `git archive`, node_modules linked).
// A shared machine's speed drifts: every measured process runs in turn with a `node -e ""`, and each figure
// is given with the median of those beside it and the median of the pairwise differences.
//
//   node bin/run-ts.js bench/startup.ts [--runs N] [--before DIR]
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startToolBridge } from "../job/mcp/tool-bridge.ts";
import { buildPackage } from "../scripts/build.ts";
import { encodeBridgeEvent } from "../shared/webhook/bridge-event.ts";
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
    child.stdin.on("error", () => undefined); // a server that exits early: reported on close
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    let out = "";
    let ms: number | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (ms !== undefined || !out.includes('"id":1')) return;
      ms = performance.now() - start;
      child.stdin.end();
    });
    child.on("close", (code) =>
      ms !== undefined ? resolve(ms) : reject(new Error(`exit ${code} before answering initialize`)),
    );
  });
}

/** A listener standing for GitLab: each `next()` resolves at the arrival of the next request (answered 503). */
async function startFirstCallListener() {
  let arrived: ((at: number) => void) | undefined;
  const server = createServer((req, res) => {
    const at = performance.now();
    req.resume();
    res.writeHead(503, { "content-type": "application/json" }).end('{"message":"bench"}');
    arrived?.(at);
    arrived = undefined;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next: () => new Promise<number>((resolve) => (arrived = resolve)),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Listener = Awaited<ReturnType<typeof startFirstCallListener>>;

/** From spawn until `agent-bridge run`'s first request reaches the listener, in ms; then the run is killed. */
function timeFirstGitLabCall(argv: string[], env: Record<string, string>, gitlab: Listener): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const arrival = gitlab.next();
    const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => reject(new Error(`run exited (${code}) before calling GitLab: ${stderr}`)));
    void arrival.then((at) => {
      child.removeAllListeners("close");
      child.on("close", () => resolve(at - start));
      child.kill("SIGKILL");
    });
  });
}

/** The medians of `runs` measurements, each run in turn with a `node -e ""`, and of their differences. */
interface Paired {
  ms: number;
  nodeMs: number;
  minusNodeMs: number;
}

async function paired(
  runs: number,
  env: Record<string, string>,
  once: () => Promise<number>,
): Promise<Paired> {
  const times: number[] = [];
  const empty: number[] = [];
  const differences: number[] = [];
  for (let i = 0; i < runs; i++) {
    const nodeMs = await timeProcess(["-e", ""], env);
    const ms = await once();
    times.push(ms);
    empty.push(nodeMs);
    differences.push(ms - nodeMs);
  }
  return { ms: median(times), nodeMs: median(empty), minusNodeMs: median(differences) };
}

/** "ms (node ms, +difference)" */
const cell = (figure: Paired) =>
  `${round(figure.ms)} (${round(figure.nodeMs)}, ${figure.minusNodeMs >= 0 ? "+" : ""}${round(figure.minusNodeMs)})`;

const round = (ms: number) => Math.round(ms);

const benchEvent = {
  assistant: "claude" as const,
  projectId: 1,
  projectPath: "bench/project",
  noteableType: "Issue" as const,
  noteableIid: 1,
  noteId: 1,
  discussionId: null,
  placeholderNoteId: 2,
  authorId: 1,
  authorUsername: "bench",
  confidential: false,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "7" }, before: { type: "string" } },
    strict: true,
  });
  const runs = Number(values.runs);
  const cache = join(ROOT, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const outDir = await mkdtemp(join(cache, "agent-bridge-bench-startup-"));
  const home = await mkdtemp(join(tmpdir(), "agent-bridge-bench-startup-home-"));
  const gitlab = await startFirstCallListener();
  const bridge = await startToolBridge({
    gitlab: { request: () => Promise.reject(new Error("no GitLab call in this bench")) },
    event: benchEvent,
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

    const runEnv = {
      PATH: process.env["PATH"] ?? "",
      HOME: home,
      CI_SERVER_URL: gitlab.url,
      CI_API_V4_URL: `${gitlab.url}/api/v4`,
      CI_PROJECT_ID: "1",
      CI_PROJECT_PATH: "bench/project",
      CI_PROJECT_DIR: home,
      CI_DEFAULT_BRANCH: "main",
      CI_JOB_ID: "1",
      CI_JOB_URL: `${gitlab.url}/bench/project/-/jobs/1`,
      GITLAB_TOKEN: "glpat-bench-token-0123456789",
      ANTHROPIC_API_KEY: "sk-ant-bench-key-0123456789",
      AGENT_BRIDGE_EVENT: encodeBridgeEvent({ ...benchEvent, instruction: "@claude hello" }),
    };

    // Warm the page cache and tsx's cache once, so "warm" means warm.
    for (const variant of variants) await timeProcess(variant.cli(["--help"]), { ...baseEnv });
    const rows: Record<string, string>[] = [];
    for (const variant of variants) {
      const env = { ...baseEnv, ...variant.env };
      // A figure this variant cannot give (an older checkout's MCP server and today's tool bridge differ
      // in their wire format) says so instead of ending the bench.
      const figure = (once: () => Promise<number>) =>
        paired(runs, env, once).then(cell, (error: unknown) => `failed: ${String(error).slice(0, 60)}`);
      rows.push({
        variant: variant.name,
        "--help": await figure(() => timeProcess(variant.cli(["--help"]), env)),
        "mcp-server ready": await figure(() => timeMcpReady(variant.mcpServer, env)),
        "run → first GitLab call": await figure(() =>
          timeFirstGitLabCall(variant.cli(["run"]), { ...runEnv, ...variant.env }, gitlab),
        ),
      });
    }
    console.log(
      `Startup, medians of ${runs} fresh processes, in ms; in brackets the median of a node -e "" run in turn with each, and the median difference.`,
    );
    console.table(rows);

    const bundles = await bundleLambdaHandler();
    const lambda: Record<string, string | number>[] = [];
    for (const bundle of bundles) {
      const imported = await coldImportMs(bundle.file, runs);
      lambda.push({
        variant: bundle.variant,
        KiB: Math.round(bundle.bytes / 1024),
        "asset KiB": Math.round(bundle.assetBytes / 1024),
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
    console.log(
      "Lambda receiver (scripts/build.ts lambdaBuildOptions): handler.mjs and the chunks it loads, the whole asset, cold import in a fresh node:",
    );
    console.table(lambda);
  } finally {
    await bridge.close();
    await gitlab.close();
    await rm(outDir, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  }
}

await main();
