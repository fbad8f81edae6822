// The release pipeline's first check on a tag (`release-check` in .gitlab-ci.yml): the tag vX.Y.Z,
// package.json's version, the components' default images (…/claude:X.Y.Z) and the images'
// org.opencontainers.image.version labels must all name one version, so a release never publishes
// components that pull an image of another release. Prints each mismatch; exits 1 on any.
//   node scripts/release-check.mjs v0.1.0
// Plain JavaScript (its types in release-check.d.mts), because the job runs it on a bare Node image in a fresh
// clone: no node_modules, so no tsx. test/e2e/release-pipeline-in-sandbox.test.ts runs that job as written.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** @param {string} path */
const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/**
 * @param {string} tag
 * @param {(path: string) => string} read
 * @returns {string[]}
 */
export function releaseProblems(tag, read) {
  const match = /^v(\d+\.\d+\.\d+)$/.exec(tag);
  if (!match?.[1]) return [`the tag "${tag}" is not vX.Y.Z`];
  const version = match[1];
  /** @type {string[]} */
  const problems = [];
  /** @type {{ version?: string }} */
  const pkg = JSON.parse(read("package.json"));
  if (pkg.version !== version)
    problems.push(`package.json says version ${pkg.version ?? "(none)"}, the tag ${version}`);
  for (const name of ["claude", "codex"]) {
    const component = read(`templates/${name}.yml`);
    const image = /^ {4}image:\n {6}default: (\S+)$/m.exec(component)?.[1] ?? "(none)";
    if (!image.endsWith(`/${name}:${version}`)) {
      problems.push(`templates/${name}.yml's default image is ${image}, not …/${name}:${version}`);
    }
    for (const file of ["Dockerfile", "alpine.Dockerfile"]) {
      const label = /org\.opencontainers\.image\.version="([^"]*)"/.exec(read(`images/${name}/${file}`))?.[1];
      if (label !== version) problems.push(`images/${name}/${file} is labelled version ${label ?? "(none)"}`);
    }
  }
  return problems;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const tag = process.argv[2] ?? "";
  const problems = releaseProblems(tag, (path) => readFileSync(root(path), "utf8"));
  for (const problem of problems) console.error(`release-check: ${problem}`);
  if (problems.length === 0)
    console.log(`release-check: ${tag} matches package.json, the components and the images`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
