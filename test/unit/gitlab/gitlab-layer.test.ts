// Every GitLab call of the product goes through one layer, shared/gitlab/api/: no product file outside
// shared/gitlab calls the client's request() itself (the doctor included) or builds a client of its own, GITLAB_ROUTES lists every
// route the api/ files declare, and the sandbox serves each of them (so every call the product makes is one
// the end-to-end tests can make too). The files are read as text: the point is what the code says.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { registerApiRoutes } from "../../../sandbox/api/index.ts";
import { API_PREFIX, createApiRouter } from "../../../sandbox/http/api-dispatch.ts";
import { GITLAB_ROUTES } from "../../../shared/gitlab/api/routes.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

// The product's code: everything but the tests, the GitLab emulator and what is built or installed.
const PRODUCT_DIRS = [
  "bench",
  "cli",
  "demo",
  "entrypoints",
  "functions",
  "infra",
  "job",
  "scripts",
  "shared",
];

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .filter((path) => !path.includes("node_modules/"));
}

// Routes the sandbox does not emulate yet; the doctor takes GitLab's 404 there as "not readable".
const NOT_IN_SANDBOX = ["GET /groups/:id/variables"];

const productFiles = PRODUCT_DIRS.flatMap(sourceFiles).filter((path) => !path.startsWith("shared/gitlab/"));

describe("the GitLab layer", () => {
  it("finds the product's files", () => {
    expect(productFiles).toContain("job/context/build-context.ts");
    expect(productFiles).toContain("shared/webhook/handler.ts");
    expect(productFiles).toContain("cli/doctor/facts.ts");
  });

  it("is the only code that calls the client's request() directly", () => {
    const inline = productFiles.filter((path) =>
      /\.request\s*(<[^>]*>)?\s*\(/.test(readFileSync(join(ROOT, path), "utf8")),
    );
    expect(inline).toEqual([]);
  });

  it("is the only code that builds a client (one wiring, shared/gitlab/node-client.ts)", () => {
    const builders = productFiles.filter((path) =>
      /\bcreateGitLabClient\b/.test(readFileSync(join(ROOT, path), "utf8")),
    );
    expect(builders).toEqual([]);
  });

  it("lists in GITLAB_ROUTES the routes of every api/ file", () => {
    const routesFile = readFileSync(join(ROOT, "shared/gitlab/api/routes.ts"), "utf8");
    const resources = readdirSync(join(ROOT, "shared/gitlab/api")).filter((name) =>
      /= route\(/.test(readFileSync(join(ROOT, "shared/gitlab/api", name), "utf8")),
    );
    expect(resources.length).toBeGreaterThan(10);
    for (const name of resources) expect(routesFile, `routes.ts imports ${name}`).toContain(`"./${name}"`);
    const keys = GITLAB_ROUTES.map((r) => `${r.method} ${r.template}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain("PUT /projects/:id/:noteable/:noteable_iid/notes/:note_id");
    for (const r of GITLAB_ROUTES)
      expect(r.doc).toMatch(/^https:\/\/docs\.gitlab\.com\/api\/[a-z_]+\/(#[\w-]+)?$/);
  });

  it("calls only routes the sandbox serves", () => {
    const router = createApiRouter([registerApiRoutes]);
    const unserved: string[] = [];
    for (const r of GITLAB_ROUTES) {
      if (NOT_IN_SANDBOX.includes(`${r.method} ${r.template}`)) continue;
      const noteables = r.template.includes(":noteable/") ? ["issues", "merge_requests"] : ["-"];
      for (const noteable of noteables) {
        const path = r.template.replace(/:([a-z_]+)/g, (_m, name: string) =>
          name === "noteable" ? noteable : name === "file_path" ? "ci%2Fjobs.yml" : "7",
        );
        if (!("handler" in router.match(r.method, API_PREFIX + path))) unserved.push(`${r.method} ${path}`);
      }
    }
    expect(unserved).toEqual([]);
  });
});
