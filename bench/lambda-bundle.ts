// The deployable Lambda artifact, measured: esbuild bundles the entries with the build's own options
// (scripts/build.ts, lambdaBuildOptions: ESM, node22, minified, the receiver and the worker built apart,
// the AWS SDK v3 bundled), and, for comparison, the same with the SDK left to
// the Lambda runtime. The figure is the receiver's: handler.mjs and the chunks it imports statically, what
// its cold start loads (the chunks it imports dynamically, the SDK's unused credential providers, are not
// loaded). Then a fresh `node` process imports handler.mjs, as a cold start does, and reports how long the
// import took; with the SDK external that import loads the SDK from node_modules, as Lambda would load the
// runtime's copy.
//
//   const bundles = await bundleLambdaHandler();   // [{ variant, file, bytes, gzipBytes, inputs, assetBytes }]
//   const ms = await coldImportMs(bundles[0].file, 5);
import { execFile } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { buildLambdaInto, LAMBDA_FILE, staticClosure } from "../scripts/build.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Inside node_modules so a bundle with the SDK left external still resolves it from the project.
const OUT_DIR = `${ROOT}node_modules/.cache/agent-bridge-bench`;

export type BundleVariant = "sdk-bundled" | "sdk-external";

export interface LambdaBundle {
  variant: BundleVariant;
  /** The receiver's entry, handler.mjs. */
  file: string;
  /** Bytes of the receiver's entry and of every chunk it imports statically. */
  bytes: number;
  gzipBytes: number;
  /** The same bytes per package (or per top-level folder of the project), largest first. */
  inputs: { source: string; bytes: number }[];
  /** Every JavaScript file of the artifact (the worker's entry, lazily loaded chunks). */
  assetBytes: number;
}

export async function bundleLambdaHandler(): Promise<LambdaBundle[]> {
  const bundles: LambdaBundle[] = [];
  for (const variant of ["sdk-bundled", "sdk-external"] as const) {
    const outDir = `${OUT_DIR}/lambda-${variant}`;
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    // The Lambda Node 22 runtime ships the SDK v3 under these scopes.
    const external = variant === "sdk-external" ? ["@aws-sdk/*", "@smithy/*"] : [];
    const { outputs } = await buildLambdaInto(outDir, external);
    const entry = Object.keys(outputs).find((path) => basename(path) === LAMBDA_FILE);
    if (entry === undefined) throw new Error(`the build wrote no ${LAMBDA_FILE}`);
    const loaded = staticClosure(outputs, entry);
    const code = Buffer.concat(await Promise.all(loaded.map((path) => readFile(join(ROOT, path)))));
    const bySource = new Map<string, number>();
    for (const path of loaded) {
      for (const [input, used] of Object.entries(outputs[path]?.inputs ?? {})) {
        const source = sourceOf(input);
        bySource.set(source, (bySource.get(source) ?? 0) + used.bytesInOutput);
      }
    }
    bundles.push({
      variant,
      file: join(ROOT, entry),
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      inputs: [...bySource]
        .map(([source, bytes]) => ({ source, bytes }))
        .filter((item) => item.bytes > 0)
        .sort((a, b) => b.bytes - a.bytes),
      assetBytes: Object.entries(outputs)
        .filter(([path]) => path.endsWith(".mjs"))
        .reduce((sum, [, output]) => sum + output.bytes, 0),
    });
  }
  return bundles;
}

function sourceOf(path: string): string {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0) return path.split("/")[0] ?? path;
  const parts = path.slice(at + "node_modules/".length).split("/");
  return (parts[0]?.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

export interface ColdImport {
  /** Median time of `await import(bundle)` in a fresh process, in ms. */
  importMs: number;
  /** Median wall time of the whole process (node start, import, exit), in ms. */
  processMs: number;
  /** Median wall time of a fresh `node` doing nothing, for reference, in ms. */
  emptyProcessMs: number;
  runs: number;
}

/** Imports the bundle in `runs` fresh node processes; medians. No Lambda variables: nothing is fetched. */
export async function coldImportMs(file: string, runs = 5): Promise<ColdImport> {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)});
if (typeof m.handler !== "function") throw new Error("no handler export");
process.stdout.write(String(performance.now() - t));`;
  const env = { PATH: process.env["PATH"] ?? "" };
  const imports: number[] = [];
  const processes: number[] = [];
  const empties: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { env });
    processes.push(performance.now() - t0);
    imports.push(Number(stdout));
    t0 = performance.now();
    await run(process.execPath, ["-e", ""], { env });
    empties.push(performance.now() - t0);
  }
  return { importMs: median(imports), processMs: median(processes), emptyProcessMs: median(empties), runs };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
