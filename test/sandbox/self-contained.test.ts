// The sandbox is a GitLab emulator held to GitLab's behaviour, so it must not lean on the product it tests:
// no file in sandbox/ imports anything outside sandbox/ (Node's built-ins and npm packages are fine), and the
// files inside it import each other without a circle (type-only imports count: they tie the files as much).
// The imports are read with TypeScript's own pre-processor, which sees static, type-only and dynamic ones.
import { builtinModules } from "node:module";
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

interface Graph {
  /** Imports that leave the folder: "file -> specifier". */
  outside: string[];
  /** Each file (relative to the folder) to the files of the folder it imports. */
  edges: Map<string, string[]>;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function packageNames(root: string): Promise<Set<string>> {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as Record<
    string,
    Record<string, string> | undefined
  >;
  return new Set([...Object.keys(pkg["dependencies"] ?? {}), ...Object.keys(pkg["devDependencies"] ?? {})]);
}

/** "@scope/name/sub" → "@scope/name"; "name/sub" → "name". */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** The import graph of one folder, with every import that leaves it. */
async function importGraph(folder: string, packages: ReadonlySet<string>): Promise<Graph> {
  const outside: string[] = [];
  const edges = new Map<string, string[]>();
  const builtins = new Set(builtinModules);
  for (const file of await sourceFiles(folder)) {
    const name = relative(folder, file).split(sep).join("/");
    const targets: string[] = [];
    const { importedFiles } = ts.preProcessFile(await readFile(file, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith(".") || specifier.startsWith("/")) {
        const target = resolve(dirname(file), specifier);
        const inside = relative(folder, target);
        if (inside.startsWith("..") || inside === "") outside.push(`${name} -> ${specifier}`);
        else targets.push(inside.split(sep).join("/"));
      } else if (specifier.startsWith("node:") || builtins.has(specifier)) {
        continue;
      } else if (!packages.has(packageOf(specifier))) {
        outside.push(`${name} -> ${specifier}`);
      }
    }
    edges.set(name, targets);
  }
  return { outside, edges };
}

/** Every circle of the graph, each once, as the files in their order ("a -> b -> a"). */
function circles(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next].join(" -> "));
      else if (state.get(next) === undefined && edges.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of edges.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

describe("the sandbox is self-contained", () => {
  it("imports nothing outside sandbox/ but Node's built-ins and npm packages", async () => {
    const graph = await importGraph(join(ROOT, "sandbox"), await packageNames(ROOT));
    expect(graph.edges.size).toBeGreaterThan(50);
    expect(graph.outside).toEqual([]);
  });

  it("has no import circle inside sandbox/", async () => {
    const graph = await importGraph(join(ROOT, "sandbox"), await packageNames(ROOT));
    expect(circles(graph.edges)).toEqual([]);
  });
});

describe("the self-containment check", () => {
  let scratch: string | undefined;
  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it("names an import that leaves the folder, an unknown package and a circle, type-only or dynamic", async () => {
    scratch = await mkdtemp(join(tmpdir(), "self-contained-"));
    const folder = join(scratch, "box");
    await mkdir(join(folder, "inner"), { recursive: true });
    const files: Record<string, string> = {
      "a.ts":
        'import { b } from "./inner/b.ts";\nimport { readFile } from "node:fs/promises";\nimport "zod";\n',
      "inner/b.ts": 'import type { A } from "../a.ts";\nexport const b = 1;\n',
      "c.ts": 'export { x } from "../product/x.ts";\nconst later = await import("left-pad");\n',
      "d.ts": 'import("./e.ts");\n',
      "e.ts": 'import { readFileSync } from "fs";\nimport "./d.ts";\n',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
    const graph = await importGraph(folder, new Set(["zod"]));
    expect(graph.outside).toEqual(["c.ts -> ../product/x.ts", "c.ts -> left-pad"]);
    expect(circles(graph.edges)).toEqual(["a.ts -> inner/b.ts -> a.ts", "d.ts -> e.ts -> d.ts"]);
  });
});
