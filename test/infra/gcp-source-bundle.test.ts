// The Cloud Function's source archive: built from functions/gcp with esbuild, packed deterministically,
// and loadable: unpacked beside the repository's node_modules, its index.js registers agentBridgeWebhook
// with the functions framework, which answers real HTTP through getTestServer().
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../infra/aws/webhook-stack.ts";
import {
  bundleGcpSource,
  ENTRY_POINT,
  FRAMEWORK,
  type GcpSourceBundle,
} from "../../infra/gcp/tooling/bundle-source.ts";
import { readZip, writeZip } from "../../infra/gcp/tooling/deterministic-zip.ts";

let work: string;
let bundle: GcpSourceBundle;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "agent-bridge-gcp-source-"));
  bundle = await bundleGcpSource({ outDir: join(work, "out") });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("infra/gcp/tooling/bundle-source", () => {
  it("packs index.js, its source map and a package.json that pins the framework", async () => {
    const entries = readZip(await readFile(bundle.archivePath));
    expect(entries.map((entry) => entry.name)).toEqual(["index.js", "index.js.map", "package.json"]);
    const packageJson = JSON.parse(Buffer.from(entries[2]!.data).toString("utf8")) as Record<string, unknown>;
    expect(packageJson).toMatchObject({ type: "module", main: "index.js", private: true });
    expect(packageJson["dependencies"]).toEqual({ [FRAMEWORK]: bundle.frameworkVersion });
    expect(bundle.frameworkVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const code = Buffer.from(entries[0]!.data).toString("utf8");
    // The framework stays external (one registry of functions); everything else is inlined.
    expect(code).toMatch(/from\s*"@google-cloud\/functions-framework"/);
    expect(code).not.toMatch(/from\s*"(zod|\.\.?\/)/);
  });

  it("builds the same bytes from the same sources", async () => {
    const again = await bundleGcpSource({ outDir: join(work, "out") });
    expect(again.sha256).toBe(bundle.sha256);
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("unpacks to an entry point that registers agentBridgeWebhook and checks the webhook's secret", async () => {
    const unpacked = join(work, "unpacked");
    for (const entry of readZip(await readFile(bundle.archivePath))) {
      await mkdir(dirname(join(unpacked, entry.name)), { recursive: true });
      await writeFile(join(unpacked, entry.name), entry.data);
    }
    // What Cloud Build's npm install provides: the framework, here the repository's own copy.
    await symlink(join(REPOSITORY_ROOT, "node_modules"), join(unpacked, "node_modules"), "dir");

    const saved = { ...process.env };
    Object.assign(process.env, {
      GITLAB_URL: "https://gitlab.example.com",
      GITLAB_TOKEN: "glpat-test",
      WEBHOOK_SECRET: "the-webhook-secret",
      BRIDGE_USER_ID: "1",
    });
    try {
      await import(pathToFileURL(join(unpacked, "index.js")).href);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }

    const server = getTestServer(ENTRY_POINT);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const wrongToken = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": "Note Hook",
          "x-gitlab-token": "wrong",
        },
        body: JSON.stringify({ object_kind: "note" }),
      });
      expect(wrongToken.status).toBe(401);
      expect((await fetch(url)).status).toBe(405);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("infra/gcp/tooling/deterministic-zip", () => {
  it("round-trips entries in name order and refuses paths that leave the archive", () => {
    const archive = writeZip([
      { name: "b.txt", data: new TextEncoder().encode("bee") },
      { name: "dir/a.txt", data: new Uint8Array(0) },
    ]);
    expect(readZip(archive).map((entry) => [entry.name, Buffer.from(entry.data).toString()])).toEqual([
      ["b.txt", "bee"],
      ["dir/a.txt", ""],
    ]);
    expect(() => writeZip([{ name: "../x", data: new Uint8Array(0) }])).toThrow(/relative path/);
    const corrupt = Buffer.from(archive);
    corrupt[36] = (corrupt[36] ?? 0) ^ 0xff; // inside the first entry's deflated data
    expect(() => readZip(corrupt)).toThrow();
  });
});
