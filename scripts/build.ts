// `npm run build`: the distributable JavaScript, one esbuild run per artifact, into dist/:
//   dist/cli.js, dist/mcp-server.js (+ shared chunks)  the package: `bin/agent-bridge.js` runs dist/cli.js; the
//                                                      agent's CLI starts dist/mcp-server.js, its own small entry
//   dist/lambda/                                       the Lambda artifact: handler.mjs (the receiver), worker.mjs
//                                                      (worker and sweep), chunks/; the CDK stack builds its asset
//                                                      with the same function (buildLambda)
//   dist/gcp-function/                                 the Cloud Function's source and zip (infra/gcp/tooling)
//
// Why esbuild and not tsc: the sources import each other with `.ts` extensions and run as they are in
// development; esbuild turns each process entry into one ESM file plus chunks shared between the entries
// (a Node start that loads a handful of files instead of ~150), splits lazily loaded commands into their own
// chunks, and already bundles the Lambda and the Cloud Function. It does no type checking: `tsc --noEmit`
// (npm test) does. The package inlines every package it imports (zod: one file parses in less time than its
// hundred modules take to resolve and load, at the start of every command) except its `dependencies`, which
// npm installs: the AWS SDK, large and loaded only when the provider is Bedrock. tsx stays outside too: only
// the development commands load it, from a checkout. The receivers' bundles inline everything, as their
// platforms need. This script never reads the environment.
//
//   node bin/run-ts.js scripts/build.ts            # all of dist/
//   node bin/run-ts.js scripts/build.ts --package  # the package's part only (the images)
//   node bin/run-ts.js scripts/build.ts --lambda DIR  # the Lambda artifact only, into DIR
//   await buildPackage({ root, outDir });        // the package's part only (tests, the startup bench)
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { zodEnglishOnly } from "./zod-english-only.ts";

const REPOSITORY_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The package's process entries: output name → source. */
export const PACKAGE_ENTRIES = { cli: "cli/main.ts", "mcp-server": "entrypoints/mcp-server.ts" } as const;

/** Written beside the package's bundles: which sources they came from (bin/agent-bridge.js checks them). */
export const BUILD_INFO = "build-info.json";

// The commands that need a development checkout stay out of the package: imported as the checkout's own
// TypeScript files, relative to the output directory (cli/commands/development.ts loads them through tsx).
const DEVELOPMENT_COMMANDS = /^\.\/(demo|sandbox)\.ts$/;

function developmentCommandsExternal(outDir: string): Plugin {
  return {
    name: "development-commands-external",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: DEVELOPMENT_COMMANDS }, (args) => {
        if (!args.importer.endsWith(join("cli", "commands", "index.ts"))) return undefined;
        const path = relative(outDir, resolve(args.resolveDir, args.path));
        return { path: path.startsWith(".") ? path : `./${path}`, external: true };
      });
    },
  };
}

// CommonJS code inside an ESM bundle may still call require() for a Node built-in; ESM has no require.
const REQUIRE_SHIM =
  'import{createRequire as __agentBridgeCreateRequire}from"node:module";const require=__agentBridgeCreateRequire(import.meta.url);';

export interface BuildPackageOptions {
  outDir: string;
  /** Default: this repository. */
  root?: string;
}

/** What the package's bundles import rather than inline: its npm dependencies, and tsx. */
async function packageExternals(root: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return [...Object.keys(manifest.dependencies ?? {}), "tsx"].flatMap((name) => [name, `${name}/*`]);
}

export async function buildPackage(options: BuildPackageOptions): Promise<Metafile> {
  const root = options.root ?? REPOSITORY_ROOT;
  const outDir = resolve(options.outDir);
  const external = await packageExternals(root);
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(PACKAGE_ENTRIES).map(([out, source]) => ({ out, in: join(root, source) })),
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    // Packages' ESM builds, as for the Lambda (they tree-shake); CommonJS ones need require() for built-ins.
    mainFields: ["module", "main"],
    banner: { js: REQUIRE_SHIM },
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "error",
    plugins: [developmentCommandsExternal(outDir), zodEnglishOnly()],
  });
  const sources = Object.keys(result.metafile.inputs).filter((path) => !path.includes("node_modules/"));
  await writeFile(join(outDir, BUILD_INFO), `${JSON.stringify({ sources: sources.sort() }, null, 2)}\n`);
  return result.metafile;
}

/** The Lambda artifact's entries, output name → source: the receiver, and the worker with the sweep. */
export const LAMBDA_ENTRIES = {
  handler: "functions/aws/handler.ts",
  worker: "functions/aws/worker.ts",
} as const;
/** The receiver's file in the artifact's directory, and the handler setting that names its export. */
export const LAMBDA_FILE = "handler.mjs";
export const LAMBDA_HANDLER = "handler.handler";
/** The worker's entry: the SQS consumer that does the GitLab work of each mention. */
export const LAMBDA_WORKER_HANDLER = "worker.worker";
/** And the scheduled sweep, which queues the mentions no delivery brought: the worker's file too. */
export const LAMBDA_SWEEP_HANDLER = "worker.sweep";

/**
 * The Lambda artifact's bundle options, one build per entry: ESM, node22, minified, one directory for the
 * three functions. The receiver (handler.mjs) and the worker (worker.mjs) are built apart, so a receiver's
 * cold start, which GitLab's delivery waits on, loads neither the GitLab client nor the worker, nor the
 * parts of zod only the worker uses (chunks shared by two entries hold what either uses). Each entry's
 * chunks (chunks/) are what it imports dynamically: the SDK's credential providers that the Lambda
 * environment never reaches (SSO, ini files, web identity: the SDK imports them only when the ones before
 * them failed, and the execution role's variables come first). A chunk both builds write is the same file.
 *
 * The AWS SDK v3 is bundled, not left to the runtime's copy, although the Node.js runtimes ship one and
 * CDK's NodejsFunction marks @aws-sdk/* external by default: the runtime's copy is a version AWS updates
 * without notice (the Lambda operator guide advises shipping your own for production), and it loads each
 * client whole, as CommonJS (765 KiB for the two clients, every command and its schemas), which took 3 to 4
 * times as long as the bundled, tree-shaken ESM of the same clients (bench/lambda-bundle.ts measures both).
 * Both are on the first delivery's path (the secrets, the queue), so the SDK's weight is the receiver's.
 */
export function lambdaBuildOptions(outDir: string, external: string[] = []): BuildOptions[] {
  return Object.entries(LAMBDA_ENTRIES).map(([out, source]) => ({
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: [{ out, in: join(REPOSITORY_ROOT, source) }],
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    minify: true,
    legalComments: "none",
    // The SDK's and zod's ESM builds: they tree-shake (the CJS builds esbuild picks by default on platform
    // node are ~15 % larger and import ~25 % slower).
    mainFields: ["module", "main"],
    banner: { js: REQUIRE_SHIM },
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "error",
    external,
    plugins: [zodEnglishOnly()],
  }));
}

/** Runs the Lambda builds into outDir, one after the other; the metafiles' outputs together. */
export async function buildLambdaInto(outDir: string, external: string[] = []): Promise<Metafile> {
  const merged: Metafile = { inputs: {}, outputs: {} };
  for (const options of lambdaBuildOptions(outDir, external)) {
    const { metafile } = await build(options);
    if (!metafile) throw new Error("esbuild wrote no metafile for the Lambda artifact");
    Object.assign(merged.inputs, metafile.inputs);
    Object.assign(merged.outputs, metafile.outputs);
  }
  return merged;
}

/**
 * An output of a build's metafile and every output it imports statically, transitively: what loading it
 * loads (dynamically imported chunks stay out). Paths as the metafile gives them, relative to the root.
 */
export function staticClosure(outputs: Metafile["outputs"], entry: string): string[] {
  const seen = new Set<string>([entry]);
  for (const path of seen) {
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external && outputs[imported.path]) {
        seen.add(imported.path);
      }
    }
  }
  return [...seen];
}

/**
 * The Lambda artifact into outDir: handler.mjs, worker.mjs, chunks/ and their maps. Built in a fresh
 * directory at one fixed depth below the repository, then copied: a chunk's name carries a hash of its
 * source map, whose paths are relative to where it is written, so building in place would make
 * `npm run build` and `cdk synth` (which picks its own directory) write different artifacts.
 */
export async function buildLambda(outDir: string): Promise<Metafile> {
  const cache = join(REPOSITORY_ROOT, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const staging = await mkdtemp(join(cache, "agent-bridge-lambda-"));
  try {
    const metafile = await buildLambdaInto(staging);
    await mkdir(outDir, { recursive: true });
    await cp(staging, outDir, { recursive: true });
    return metafile;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * buildLambda in a child process, waited for: CDK's local bundling is synchronous (infra/aws/webhook-stack.ts)
 * and esbuild runs no plugins synchronously. `npm run build` and `cdk synth` so make the same bundle by the
 * same function.
 */
export function buildLambdaSync(outDir: string): void {
  const result = spawnSync(
    process.execPath,
    [join(REPOSITORY_ROOT, "bin", "run-ts.js"), fileURLToPath(import.meta.url), "--lambda", outDir],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (result.status !== 0) {
    throw new Error(
      `building the Lambda artifact failed (${result.status ?? result.signal}): ${result.stderr}`,
    );
  }
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === "--lambda" && argv[1] !== undefined) {
    await buildLambda(resolve(argv[1]));
    return;
  }
  const dist = join(REPOSITORY_ROOT, "dist");
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await buildPackage({ outDir: dist });
  if (argv.includes("--package")) return;
  await buildLambda(join(dist, "lambda"));
  // Loaded here: the images build the package only, without the infrastructure's tooling.
  const { bundleGcpSource } = await import("../infra/gcp/tooling/bundle-source.ts");
  await bundleGcpSource({ outDir: join(dist, "gcp-function") });
  console.log(
    `built ${relative(process.cwd(), dist) || dist}/: cli.js, mcp-server.js, lambda/, gcp-function/`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
