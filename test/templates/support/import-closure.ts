// The files `bin/agent-bridge.js` loads, followed through relative imports (static, `export … from`, and
// dynamic `import("…")` with a literal path), and the packages they name. The images copy the repository's
// source folders and install only `dependencies`: this says which folders and which packages that must cover.
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

export interface ImportClosure {
  /** Repository-relative paths of every source file reached. */
  files: string[];
  /** Bare package names (`zod`, `@aws-sdk/client-sts`), without `node:` built-ins. */
  packages: string[];
}

// `import x from "a"`, `import "a"`, `export { x } from "a"`, `import("a")`; type-only imports are erased at
// run time, so they are skipped.
const specifier =
  /(?:^|[;\s])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, `${base}/index.ts`]) {
    if (existsSync(candidate) && !candidate.endsWith("/")) {
      try {
        readFileSync(candidate);
        return candidate;
      } catch {
        // a directory: try the next candidate
      }
    }
  }
  throw new Error(`${from}: cannot resolve import "${spec}"`);
}

export function importClosure(root: string, entry: string): ImportClosure {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(specifier)) {
      const spec = (match[1] ?? match[2]) as string;
      if (spec.startsWith(".")) queue.push(resolveRelative(file, spec));
      else if (!spec.startsWith("node:")) packages.add(packageName(spec));
    }
  }
  return {
    files: [...seen].map((file) => relative(root, file)).sort(),
    packages: [...packages].sort(),
  };
}
