// The package as `npm pack` would publish it, built for real: package.json, the README and bin/ copied into a
// scratch directory inside node_modules (so the bundles' packages resolve), dist/ built there by
// scripts/build.ts, then `npm pack --dry-run --json` lists the tarball's files. Never writes the checkout's dist/.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Metafile } from "esbuild";
import { buildPackage } from "../../../scripts/build.ts";
import { repoRoot } from "./components.ts";

const run = promisify(execFile);

export interface PackedPackage {
  /** The tarball's paths, relative to the package root, sorted. */
  files: string[];
  /** esbuild's record of the package build: its inputs and, per output, what it imports. */
  metafile: Metafile;
  remove(): Promise<void>;
}

export async function packedPackage(): Promise<PackedPackage> {
  const cache = join(repoRoot, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, "agent-bridge-pack-test-"));
  await mkdir(join(dir, "bin"));
  for (const file of ["package.json", "README.md", "bin/agent-bridge.js", "bin/run-ts.js"]) {
    await copyFile(join(repoRoot, file), join(dir, file));
  }
  const metafile = await buildPackage({ outDir: join(dir, "dist") });
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: dir,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? dir },
  });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return {
    files: pack.files.map((file) => file.path).sort(),
    metafile,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
