// scripts/zod-english-only: a bundle that inlines zod keeps zod's English messages and leaves the other
// locales out. A real esbuild run and a real node process running the bundle.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { zodEnglishOnly } from "../../../scripts/zod-english-only.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

describe("scripts/zod-english-only", { timeout: 60_000 }, () => {
  it("bundles zod with English messages only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "agent-bridge-zod-"));
    try {
      const outfile = join(dir, "check.mjs");
      const bundle = (plugins: ReturnType<typeof zodEnglishOnly>[]) =>
        build({
          stdin: {
            contents: `import { z } from "zod";
const result = z.object({ name: z.string() }).safeParse({ name: 1 });
console.log(result.error.issues[0].message);`,
            resolveDir: ROOT,
          },
          outfile,
          bundle: true,
          format: "esm",
          platform: "node",
          mainFields: ["module", "main"],
          logLevel: "silent",
          metafile: true,
          plugins,
        });
      const locales = (metafile: { inputs: Record<string, unknown> }) =>
        Object.keys(metafile.inputs).filter((path) => /^node_modules\/zod\/v4\/locales\//.test(path));
      // Without the plugin, every locale comes along (the reason for it).
      expect(locales((await bundle([])).metafile).length).toBeGreaterThan(20);
      const { metafile } = await bundle([zodEnglishOnly()]);
      expect(locales(metafile)).toEqual(["node_modules/zod/v4/locales/en.js"]);
      expect(await readFile(outfile, "utf8")).not.toContain("Ungültig");
      const { stdout } = await run(process.execPath, [outfile]);
      expect(stdout.trim()).toBe("Invalid input: expected string, received number");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
