// The deployable Lambda artifact, measured: esbuild bundles functions/aws/handler.ts with the build's own
// options (scripts/build.ts, lambdaBuildOptions: ESM, node22, minified, mainFields module-first, the
// createRequire banner, everything bundled: the AWS SDK v3 included for version pinning), and, for
// comparison, the same with the SDK left to the Lambda runtime. Then a fresh `node`
// process imports each bundle, as a cold start does, and reports how long the import took.
//
//   const bundles = await bundleLambdaHandler();   // [{ variant, file, bytes, gzipBytes, inputs }]
//   const ms = await coldImportMs(bundles[0].file, 5);
import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { lambdaBuildOptions } from "../scripts/build.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Inside node_modules so a bundle with the SDK left external still resolves it from the project.
const OUT_DIR = `${ROOT}node_modules/.cache/agent-bridge-bench`;

export type BundleVariant = "sdk-bundled" | "sdk-external";

export interface LambdaBundle {
  variant: BundleVariant;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output per package (or per top-level folder of the project), largest first. */
  inputs: { source: string; bytes: number }[];
}

export async function bundleLambdaHandler(): Promise<LambdaBundle[]> {
  await mkdir(OUT_DIR, { recursive: true });
  const bundles: LambdaBundle[] = [];
  for (const variant of ["sdk-bundled", "sdk-external"] as const) {
    const outfile = `${OUT_DIR}/lambda-${variant}.mjs`;
    // The Lambda Node 22 runtime ships the SDK v3 under these scopes.
    const external = variant === "sdk-external" ? ["@aws-sdk/*", "@smithy/*"] : [];
    const result = await build({ ...lambdaBuildOptions(outfile, external), metafile: true });
    const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(".mjs"))?.[1];
    const code = await readFile(outfile);
    const bySource = new Map<string, number>();
    for (const [path, input] of Object.entries(output?.inputs ?? {})) {
      const source = sourceOf(path);
      bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
    }
    bundles.push({
      variant,
      file: outfile,
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      inputs: [...bySource]
        .map(([source, bytes]) => ({ source, bytes }))
        .filter((entry) => entry.bytes > 0)
        .sort((a, b) => b.bytes - a.bytes),
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
