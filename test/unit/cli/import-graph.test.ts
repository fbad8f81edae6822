// What each production command loads before it does anything: esbuild resolves the real import graph of the
// command's module (as the build does), and the test follows only the static imports, the ones paid at
// start-up. `run`, `finalize` and `mcp-server` must not load the sandbox, the doctor, the cloud SDKs or the
// MCP SDK (the MCP server speaks MCP itself); the overview (`agent-bridge --help`) loads no command at all.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const ENTRIES = {
  overview: "cli/main.ts",
  run: "cli/commands/run.ts",
  finalize: "cli/commands/finalize.ts",
  "mcp-server": "cli/commands/mcp-server.ts",
  "mcp-server entry": "entrypoints/mcp-server.ts",
  serve: "cli/commands/serve.ts",
  doctor: "cli/commands/doctor.ts",
} as const;
type Entry = keyof typeof ENTRIES;

interface Graph {
  /** Project files (repository-relative) and packages reached through static imports. */
  staticFiles: string[];
  staticPackages: string[];
  /** Everything reachable, dynamic imports included. */
  allPackages: string[];
}

const packageOf = (spec: string) =>
  (spec.startsWith("@") ? spec.split("/").slice(0, 2) : [spec.split("/")[0]]).join("/");

function graphOf(
  metafile: Metafile,
  entry: string,
  followDynamic: boolean,
): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (!followDynamic && imported.kind === "dynamic-import") continue;
      if (imported.external) {
        if (!imported.path.startsWith("node:") && !imported.path.startsWith("."))
          packages.add(packageOf(imported.path));
      } else queue.push(imported.path);
    }
  }
  return { files, packages };
}

const graphs = {} as Record<Entry, Graph>;
beforeAll(async () => {
  for (const [name, entry] of Object.entries(ENTRIES) as [Entry, string][]) {
    const { metafile } = await build({
      absWorkingDir: ROOT,
      entryPoints: [join(ROOT, entry)],
      bundle: true,
      write: false,
      outdir: "out",
      splitting: true,
      format: "esm",
      platform: "node",
      packages: "external",
      metafile: true,
      logLevel: "silent",
    });
    const statics = graphOf(metafile, entry, false);
    graphs[name] = {
      staticFiles: [...statics.files].sort(),
      staticPackages: [...statics.packages].sort(),
      allPackages: [...graphOf(metafile, entry, true).packages].sort(),
    };
  }
}, 60_000);

const NEVER_IN_PRODUCTION = /^(sandbox|test|bench|infra|scripts)\//;

describe("the commands' import graphs (what starting each one loads)", () => {
  it("the overview (`--help`) loads the registry only: no command module, no package", () => {
    expect(graphs.overview.staticFiles).toEqual([
      "cli/commands/development.ts",
      "cli/commands/index.ts",
      "cli/main.ts",
    ]);
    expect(graphs.overview.staticPackages).toEqual([]);
  });

  it.each(["run", "finalize", "mcp-server", "mcp-server entry", "serve", "doctor"] as const)(
    "%s loads nothing of sandbox/, test/, bench/, infra/ or tsx, @gitbeaker",
    (name) => {
      for (const file of graphs[name].staticFiles) expect(file).not.toMatch(NEVER_IN_PRODUCTION);
      expect(graphs[name].allPackages).not.toContain("tsx");
      expect(graphs[name].allPackages).not.toContain("@gitbeaker/rest");
    },
  );

  it.each(["run", "finalize", "mcp-server", "mcp-server entry"] as const)(
    "%s loads nothing of cli/doctor, the AWS SDK, Google Cloud or the webhook receivers at start",
    (name) => {
      for (const file of graphs[name].staticFiles) expect(file).not.toMatch(/^(cli\/doctor|functions)\//);
      for (const pkg of graphs[name].staticPackages)
        expect(pkg).not.toMatch(/^@aws-sdk\/|^@smithy\/|^@google-cloud\//);
    },
  );

  it.each(["run", "finalize", "mcp-server", "mcp-server entry"] as const)(
    "%s loads no MCP SDK, not even later (the MCP server speaks MCP itself)",
    (name) => {
      expect(graphs[name].allPackages).not.toContain("@modelcontextprotocol/sdk");
    },
  );

  it("run loads the AWS SDK only when the provider is Bedrock (a dynamic import)", () => {
    expect(graphs.run.staticPackages).not.toContain("@aws-sdk/client-sts");
    expect(graphs.run.allPackages).toContain("@aws-sdk/client-sts");
  });

  it("the MCP server's own entry loads its server, its JSON-RPC loop and the wire format: no package", () => {
    expect(graphs["mcp-server entry"].staticFiles).toEqual([
      "entrypoints/mcp-server.ts",
      "job/mcp/bridge-wire.ts",
      "job/mcp/json-rpc-stdio.ts",
      "job/mcp/mcp-server.ts",
    ]);
    expect(graphs["mcp-server entry"].allPackages).toEqual([]);
    // The command's module loads it only once it runs: its help needs none of it.
    expect(graphs["mcp-server"].staticPackages).toEqual([]);
  });
});
