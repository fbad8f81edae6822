// The package's build (scripts/build.ts) and how bin/agent-bridge.js picks it: the built CLI and the built MCP
// server run as real processes (the MCP server in front of a real tool bridge), the development commands
// stay out of the bundles, the source maps name the TypeScript files, and the launcher runs the build only
// while it matches the sources. The build goes to a directory inside node_modules so that the bundles'
// external packages resolve as they do in an installed package.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startToolBridge } from "../../../job/mcp/tool-bridge.ts";
import { buildPackage } from "../../../scripts/build.ts";
import type { BridgeEvent } from "../../../shared/webhook/bridge-event.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CACHE = join(ROOT, "node_modules", ".cache");

const event: BridgeEvent = {
  assistant: "claude",
  projectId: 7,
  projectPath: "group/project",
  noteableType: "Issue",
  noteableIid: 3,
  noteId: 99,
  discussionId: null,
  placeholderNoteId: 100,
  authorId: 1,
  authorUsername: "dev",
  confidential: false,
};

let outDir: string;
beforeAll(async () => {
  await mkdir(CACHE, { recursive: true });
  outDir = await mkdtemp(join(CACHE, "agent-bridge-build-test-"));
  await buildPackage({ outDir });
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** Runs the built CLI's main(argv) in a fresh node, as bin/agent-bridge.js does. */
function builtCli(argv: string[]) {
  const script = `process.setSourceMapsEnabled(true);
const { main } = await import(${JSON.stringify(pathToFileURL(join(outDir, "cli.js")).href)});
process.exitCode = await main(${JSON.stringify(argv)});`;
  return run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env["PATH"] ?? "" },
  });
}

describe("scripts/build.ts: the package", { timeout: 60_000 }, () => {
  it("writes one flat directory: the entries, their chunks and maps, so `./mcp-server.js` resolves from any chunk", async () => {
    const files = await readdir(outDir, { withFileTypes: true });
    expect(files.filter((f) => f.isDirectory())).toEqual([]);
    const names = files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(["cli.js", "cli.js.map", "mcp-server.js", "build-info.json"]),
    );
    for (const name of names.filter((n) => n.endsWith(".js"))) expect(names).toContain(`${name}.map`);
  });

  it("runs the built CLI: the overview and a production command's help", async () => {
    const overview = await builtCli(["--help"]);
    expect(overview.stdout).toMatch(/^ {2}run {8}run the assistant for one mention/m);
    expect(overview.stdout).toMatch(/^ {2}mcp-server/m);
    const help = await builtCli(["finalize", "--help"]);
    expect(help.stdout).toContain("Usage: agent-bridge finalize");
  });

  it("leaves the development commands out: they load the checkout's sources through tsx", async () => {
    const code = (await readdir(outDir)).filter((n) => n.endsWith(".js"));
    const text = (await Promise.all(code.map((n) => readFile(join(outDir, n), "utf8")))).join("\n");
    expect(text).not.toContain("sandbox/server.ts");
    expect(text).not.toContain("startSandbox");
    expect(text).toContain('import("../../../cli/commands/demo.ts")');
    // In this checkout the sources are there, so the built CLI still runs them.
    const sandboxHelp = await builtCli(["sandbox", "--help"]);
    expect(sandboxHelp.stdout).toContain("Usage: agent-bridge sandbox");
  });

  it("maps stack traces to the TypeScript sources", async () => {
    const map = JSON.parse(await readFile(join(outDir, "cli.js.map"), "utf8")) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith("cli/main.ts"))).toBe(true);
    const unknown = await builtCli(["no-such-command"]).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect(unknown).toMatchObject({ code: 2 });
  });

  it("serves the built MCP server to a real tool bridge: initialize, tools, a forwarded call", async () => {
    const progress: string[] = [];
    const bridge = await startToolBridge({
      gitlab: { request: () => Promise.reject(new Error("no GitLab call expected")) },
      event,
      onProgress: (markdown) => void progress.push(markdown),
      minProgressIntervalMs: 0,
      redact: (text) => text,
      // What defaultMcpServerCommand() answers when it runs from the build.
      server: { command: process.execPath, args: ["--enable-source-maps", join(outDir, "mcp-server.js")] },
    });
    const client = new Client({ name: "test", version: "1.0.0" });
    try {
      await client.connect(
        new StdioClientTransport({
          command: bridge.launch.command,
          args: bridge.launch.args,
          env: { PATH: process.env["PATH"] ?? "", ...bridge.launch.env },
          stderr: "pipe",
        }),
      );
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["update_progress"]);
      const answer = await client.callTool({
        name: "update_progress",
        arguments: { checklist: "- [ ] Plan" },
      });
      expect(answer.isError).toBe(false);
      expect(progress).toEqual(["- [ ] Plan"]);
    } finally {
      await client.close();
      await bridge.close();
    }
  });
});

describe("bin/agent-bridge.js: build or sources", { timeout: 60_000 }, () => {
  // A hand-made layout beside a copy of the launcher: a "build" and a "source" main that say which they are.
  let dir: string;
  const say = (what: string) =>
    `export async function main() { console.log(${JSON.stringify(what)}); return 0; }\n`;
  beforeAll(async () => {
    dir = await mkdtemp(join(CACHE, "agent-bridge-launcher-test-"));
    await mkdir(join(dir, "bin"));
    await mkdir(join(dir, "dist"));
    await mkdir(join(dir, "cli"));
    await copyFile(join(ROOT, "bin", "agent-bridge.js"), join(dir, "bin", "agent-bridge.js"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    await writeFile(join(dir, "dist", "cli.js"), say("build"));
    await writeFile(join(dir, "cli", "main.ts"), say("sources"));
    await writeFile(join(dir, "dist", "build-info.json"), JSON.stringify({ sources: ["cli/main.ts"] }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const launch = async () =>
    (await run(process.execPath, [join(dir, "bin", "agent-bridge.js")], { env: { PATH: "" } })).stdout.trim();
  const age = (path: string, seconds: number) => utimes(path, seconds, seconds);

  it("runs the build while no source it came from is newer", async () => {
    await age(join(dir, "cli", "main.ts"), 1_000_000);
    await age(join(dir, "dist", "build-info.json"), 2_000_000);
    expect(await launch()).toBe("build");
  });

  it("runs the sources through tsx once a source changed after the build", async () => {
    await age(join(dir, "cli", "main.ts"), 3_000_000);
    expect(await launch()).toBe("sources");
  });

  it("runs the sources when there is no build, and the build when there are no sources (an installed package)", async () => {
    await rm(join(dir, "dist", "cli.js"));
    expect(await launch()).toBe("sources");
    await writeFile(join(dir, "dist", "cli.js"), say("build"));
    await rm(join(dir, "cli", "main.ts"));
    expect(await launch()).toBe("build");
  });
});
