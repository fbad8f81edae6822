#!/usr/bin/env node
// The `agent-bridge` command. It runs the build (dist/cli.js, from `npm run build`; `npm ci` builds it through
// `prepare`) when there is one. In a development checkout it first checks that the build is current (no source
// it came from changed since, per dist/build-info.json) and otherwise registers tsx and runs the TypeScript
// sources: an edit never runs stale JavaScript, and a checkout that was never built still works. It must never
// import anything else at the top: this file is on the path of every command's start.
import { existsSync, readFileSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);
const dist = new URL("dist/", root);

/** True if dist/ holds a build that matches the sources beside it (an installed package has none). */
function buildIsCurrent() {
  if (!existsSync(new URL("cli.js", dist))) return false;
  if (!existsSync(new URL("cli/main.ts", root))) return true;
  let sources;
  let builtAt;
  try {
    const info = new URL("build-info.json", dist);
    sources = JSON.parse(readFileSync(info, "utf8")).sources;
    builtAt = statSync(info).mtimeMs;
  } catch {
    return false;
  }
  return sources.every((source) => {
    try {
      return statSync(new URL(source, root)).mtimeMs <= builtAt;
    } catch {
      return false;
    }
  });
}

let main;
if (buildIsCurrent()) {
  // Stack traces name the TypeScript lines (the maps beside the bundles).
  process.setSourceMapsEnabled(true);
  ({ main } = await import("../dist/cli.js"));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
