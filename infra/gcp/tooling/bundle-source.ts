// Builds the Cloud Function's source archive from functions/gcp: one ESM bundle (esbuild, node22) with
// everything but the functions framework inlined, a package.json that names the framework at the exact
// version this repository tested against, and a deterministic zip of the two (see deterministic-zip.ts).
// The Terraform module uploads the zip under a name that carries its hash.
//
//   npx tsx infra/gcp/tooling/bundle-source.ts            # → dist/gcp-function/agent-bridge-webhook.zip
//   npx tsx infra/gcp/tooling/bundle-source.ts --out DIR
//
// The framework stays external on purpose: Cloud Run's Node.js buildpack installs it from package.json and
// starts it with `--target=agentBridgeWebhook`; a second, bundled copy would keep its own registry of
// functions and the framework would not find ours. This script never reads the environment.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { zodEnglishOnly } from "../../../scripts/zod-english-only.ts";
import { writeZip } from "./deterministic-zip.ts";

export const ENTRY_POINT = "agentBridgeWebhook";
export const RUNTIME = "nodejs22";
export const ARCHIVE_NAME = "agent-bridge-webhook.zip";
export const FRAMEWORK = "@google-cloud/functions-framework";

const REPOSITORY_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

// Some bundled dependencies are CommonJS and call require() for Node built-ins; an ESM bundle has none.
const REQUIRE_SHIM =
  "import { createRequire as __agentBridgeCreateRequire } from 'node:module'; const require = __agentBridgeCreateRequire(import.meta.url);";

export interface BundleGcpSourceOptions {
  /** Where source/ and the zip are written; emptied first. */
  outDir: string;
  /** Default: this repository. */
  repositoryRoot?: string;
}

export interface GcpSourceBundle {
  /** The unpacked source: index.js, index.js.map, package.json. */
  sourceDir: string;
  archivePath: string;
  /** Hex SHA-256 of the zip. */
  sha256: string;
  /** The function's entry point, as Terraform's build_config.entry_point. */
  entryPoint: typeof ENTRY_POINT;
  frameworkVersion: string;
}

async function installedVersion(root: string, name: string): Promise<string> {
  const require = createRequire(join(root, "package.json"));
  // The package's own package.json is not exported; find it beside the resolved entry.
  let dir = require.resolve(name);
  for (;;) {
    const parent = resolve(dir, "..");
    if (parent === dir) throw new Error(`cannot find ${name}'s package.json; run npm ci`);
    dir = parent;
    try {
      const json = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (json.name === name && json.version) return json.version;
    } catch {
      // not this directory
    }
  }
}

/** Bundles functions/gcp and writes the source directory and the zip. */
export async function bundleGcpSource(options: BundleGcpSourceOptions): Promise<GcpSourceBundle> {
  const root = options.repositoryRoot ?? REPOSITORY_ROOT;
  const outDir = resolve(options.outDir);
  const sourceDir = join(outDir, "source");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(sourceDir, { recursive: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, "functions", "gcp", "index.ts")],
    outfile: join(sourceDir, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    mainFields: ["module", "main"],
    external: [FRAMEWORK],
    banner: { js: REQUIRE_SHIM },
    minify: true,
    keepNames: true,
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    logLevel: "silent",
    plugins: [zodEnglishOnly()],
  });
  if (result.errors.length > 0)
    throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join("; ")}`);

  const rootPackage = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version?: string };
  const frameworkVersion = await installedVersion(root, FRAMEWORK);
  const packageJson = {
    name: "agent-bridge-webhook",
    version: rootPackage.version ?? "0.0.0",
    private: true,
    type: "module",
    main: "index.js",
    engines: { node: ">=22" },
    dependencies: { [FRAMEWORK]: frameworkVersion },
  };
  await writeFile(join(sourceDir, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);

  const names = ["index.js", "index.js.map", "package.json"];
  const entries = await Promise.all(
    names.map(async (name) => ({ name, data: new Uint8Array(await readFile(join(sourceDir, name))) })),
  );
  const archive = writeZip(entries);
  const archivePath = join(outDir, ARCHIVE_NAME);
  await writeFile(archivePath, archive);
  return {
    sourceDir,
    archivePath,
    sha256: createHash("sha256").update(archive).digest("hex"),
    entryPoint: ENTRY_POINT,
    frameworkVersion,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const outIndex = argv.indexOf("--out");
  const outArg = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  if (outIndex >= 0 && outArg === undefined) {
    console.error("usage: npx tsx infra/gcp/tooling/bundle-source.ts [--out DIR]");
    return 2;
  }
  const outDir = outArg ?? join(REPOSITORY_ROOT, "dist", "gcp-function");
  const bundle = await bundleGcpSource({ outDir });
  process.stdout.write(
    [
      `archive:     ${relative(process.cwd(), bundle.archivePath) || bundle.archivePath}`,
      `sha256:      ${bundle.sha256}`,
      `entry point: ${bundle.entryPoint} (runtime ${RUNTIME}, ${FRAMEWORK} ${bundle.frameworkVersion})`,
      "",
    ].join("\n"),
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`bundle-source: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
