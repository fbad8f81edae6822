// serveGitHttp with the real git client over real HTTP: clone and push through Basic auth, protected-branch
// refusals as GitLab words them, onPushed's report, and a gzip-encoded request body.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PushedRef } from "../../../sandbox/git/http-backend.ts";
import { RepoStore } from "../../../sandbox/git/repo-store.ts";
import { ada, git, removeScratchDirs, scratchDir, startGitServer } from "./git-fixtures.ts";
import type { GitServer } from "./git-fixtures.ts";

const ZERO = "0".repeat(40);
const TOKEN = "glpat-test-token";

let store: RepoStore;
let server: GitServer;
let pushes: PushedRef[][];
let protectedBranches: string[];
let noForcePushBranches: string[];
let counter = 0;

beforeAll(async () => {
  store = new RepoStore(await scratchDir());
  // The test server reads these per request, so each test can set its own rules.
  server = await startGitServer(store, {
    token: TOKEN,
    get protectedBranches() {
      return protectedBranches;
    },
    get noForcePushBranches() {
      return noForcePushBranches;
    },
    onPushed: (updates) => void pushes.push(updates),
  });
});
afterAll(async () => {
  await server.close();
  await removeScratchDirs();
});
beforeEach(() => {
  pushes = [];
  protectedBranches = [];
  noForcePushBranches = [];
});

/** A project with a README, cloned into a fresh work tree. */
async function cloned(): Promise<{ path: string; work: string }> {
  const path = `group/pushed-${++counter}`;
  await store.create(path, { defaultBranch: "main", readme: { content: "# Pushed\n", author: ada } });
  const work = join(await scratchDir(), "work");
  await git(await scratchDir(), ["clone", "--quiet", server.url(path), work]);
  return { path, work };
}

async function commitFile(work: string, file: string, content: string): Promise<string> {
  await writeFile(join(work, file), content);
  await git(work, ["add", file]);
  await git(work, ["commit", "--quiet", "-m", `Write ${file}`]);
  return (await git(work, ["rev-parse", "HEAD"])).stdout.trim();
}

describe("serveGitHttp", () => {
  it("clones, and reports a push's ref updates before the push returns", async () => {
    const { path, work } = await cloned();
    expect((await git(work, ["log", "--format=%s"])).stdout).toBe("Initial commit\n");
    const before = await store.resolve(path, "main");
    const sha = await commitFile(work, "a.txt", "a\n");
    await git(work, ["push", "--quiet", "origin", "main"]);
    expect(await store.resolve(path, "main")).toBe(sha);
    expect(pushes).toEqual([[{ ref: "refs/heads/main", oldSha: before, newSha: sha }]]);
    expect((await store.readFile(path, "main", "a.txt"))?.toString()).toBe("a\n");
  });

  it("reports new branches and tags, and deletions, in one push", async () => {
    const { path, work } = await cloned();
    const main = await store.resolve(path, "main");
    await git(work, ["checkout", "--quiet", "-b", "feature"]);
    const sha = await commitFile(work, "f.txt", "f\n");
    await git(work, ["tag", "v1"]);
    await git(work, ["push", "--quiet", "origin", "feature", "v1"]);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toEqual(
      expect.arrayContaining([
        { ref: "refs/heads/feature", oldSha: ZERO, newSha: sha },
        { ref: "refs/tags/v1", oldSha: ZERO, newSha: sha },
      ]),
    );
    expect(pushes[0]).toHaveLength(2);
    await git(work, ["push", "--quiet", "origin", "--delete", "feature"]);
    expect(pushes[1]).toEqual([{ ref: "refs/heads/feature", oldSha: sha, newSha: ZERO }]);
    expect(await store.resolve(path, "feature")).toBeNull();
    expect(await store.resolve(path, "main")).toBe(main);
  });

  it("refuses pushes to protected branches with GitLab's message and changes nothing", async () => {
    protectedBranches = ["main", "release/*"];
    const { path, work } = await cloned();
    const before = await store.resolve(path, "main");
    await commitFile(work, "a.txt", "a\n");
    const push = await git(work, ["push", "origin", "main"], [1]);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain(
      "remote: GitLab: You are not allowed to push code to protected branches on this project.",
    );
    expect(push.stderr).toContain("pre-receive hook declined");
    expect(await store.resolve(path, "main")).toBe(before);

    const create = await git(work, ["push", "origin", "HEAD:refs/heads/release/1.0"], [1]);
    expect(create.stderr).toContain(
      "remote: GitLab: You are not allowed to create protected branches on this project.",
    );
    const remove = await git(work, ["push", "origin", "--delete", "main"], [1]);
    expect(remove.stderr).toContain(
      "remote: GitLab: You can only delete protected branches using the web interface.",
    );
    expect(await store.resolve(path, "release/1.0")).toBeNull();
    expect(pushes).toEqual([]);

    // Branches the patterns do not cover are pushed as usual ("release/*" is not "release").
    await git(work, ["push", "--quiet", "origin", "HEAD:refs/heads/release"]);
    expect(pushes).toHaveLength(1);
  });

  it("lets a branch without force-push take fast-forwards only", async () => {
    noForcePushBranches = ["main"];
    const { path, work } = await cloned();
    const forward = await commitFile(work, "a.txt", "a\n");
    await git(work, ["push", "--quiet", "origin", "main"]);
    expect(await store.resolve(path, "main")).toBe(forward);
    await git(work, ["commit", "--quiet", "--amend", "-m", "Rewritten"]);
    const force = await git(work, ["push", "--force", "origin", "main"], [1]);
    expect(force.stderr).toContain(
      "remote: GitLab: You are not allowed to force push code to a protected branch on this project.",
    );
    expect(await store.resolve(path, "main")).toBe(forward);
    expect(pushes).toHaveLength(1);
  });

  it("takes pushes larger than git's post buffer, which arrive chunked", async () => {
    const { path, work } = await cloned();
    // Random bytes do not compress: the pack stays over http.postBuffer (1 MiB), so git streams it chunked.
    await writeFile(join(work, "big.bin"), randomBytes(3 * 1024 * 1024));
    await git(work, ["add", "big.bin"]);
    await git(work, ["commit", "--quiet", "-m", "Big"]);
    const sha = (await git(work, ["rev-parse", "HEAD"])).stdout.trim();
    await git(work, ["push", "--quiet", "origin", "main"]);
    expect(await store.resolve(path, "main")).toBe(sha);
    expect((await store.readFile(path, "main", "big.bin"))?.length).toBe(3 * 1024 * 1024);
  });

  it("needs the token, as the caller's auth check demands", async () => {
    const { path } = await cloned();
    const work = await scratchDir();
    const clone = await git(work, ["clone", server.url(path, "wrong-token"), "x"], [128]);
    expect(clone.stderr).toContain("Authentication failed");
    const anonymous = await fetch(`${server.base}/${path}.git/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="GitLab"');
  });

  it("answers the ref advertisement and a gzip-encoded upload-pack request", async () => {
    const { path } = await cloned();
    const head = (await store.resolve(path, "main"))!;
    const auth = { Authorization: `Basic ${Buffer.from(`oauth2:${TOKEN}`).toString("base64")}` };
    const refs = await fetch(`${server.base}/${path}.git/info/refs?service=git-upload-pack`, {
      headers: auth,
    });
    expect(refs.status).toBe(200);
    expect(refs.headers.get("content-type")).toBe("application/x-git-upload-pack-advertisement");
    expect(await refs.text()).toContain(`${head} refs/heads/main`);

    const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, "0") + line;
    const request = pkt(`want ${head}\n`) + "0000" + pkt("done\n");
    const pack = await fetch(`${server.base}/${path}.git/git-upload-pack`, {
      method: "POST",
      headers: {
        ...auth,
        "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip",
      },
      body: gzipSync(request),
    });
    expect(pack.status).toBe(200);
    const body = Buffer.from(await pack.arrayBuffer());
    expect(body.subarray(0, 8).toString()).toBe("0008NAK\n");
    expect(body.includes("PACK")).toBe(true);
  });

  it("answers 404 for repositories and paths it does not serve", async () => {
    const auth = { Authorization: `Basic ${Buffer.from(`oauth2:${TOKEN}`).toString("base64")}` };
    const missing = await fetch(`${server.base}/group/none.git/info/refs?service=git-upload-pack`, {
      headers: auth,
    });
    expect(missing.status).toBe(404);
    const { path } = await cloned();
    const config = await fetch(`${server.base}/${path}.git/config`, { headers: auth });
    expect(config.status).toBe(404);
  });
});
