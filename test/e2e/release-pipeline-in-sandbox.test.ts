// The repository's own release pipeline, run by the sandbox runner as far as a shell executor can: this
// checkout's tree (tracked files, as a fresh clone has them: no node_modules) pushed to a sandbox project and
// tagged, then a tag pipeline from the unchanged .gitlab-ci.yml. What the runner cannot run is left out by a
// wrapper that includes the real file and only sets those jobs' rules to never: `test` (.ci/run is the whole
// test suite, run by CI itself, never inside a test), the four Buildah image builds (they pull base images from
// the internet) and `release` (it needs the images). The job that runs is `release-check` exactly as written:
// on a bare Node with a fresh clone, it must need nothing `npm ci` would bring.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, RestClient } from "../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { cloneUrl, git } from "../support/git.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const WRAPPER = ".gitlab-ci-sandbox.yml";
const LEFT_OUT = [
  "test",
  "image:claude",
  "image:claude-alpine",
  "image:codex",
  "image:codex-alpine",
  "release",
];

let sandbox: Sandbox;
let admin: RestClient;
let dir: string;
let projectId: number;
let version: string;

interface Job {
  id: number;
  name: string;
  status: string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "release-pipeline-"));
  sandbox = await startSandbox({ jobTimeoutSeconds: 300 });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  await admin.ok("POST", "/groups", { name: "agent-bridge", path: "agent-bridge" });
  const project = await createProject(admin, { path: "agent-bridge", namespace: "agent-bridge" });
  projectId = project.id;

  // The working tree's tracked files (uncommitted edits included), without the history.
  const tree = join(dir, "tree");
  const snapshot = (await run("git", ["stash", "create"], { cwd: root })).stdout.trim() || "HEAD";
  await git(dir, "init", "--quiet", tree);
  await run("sh", ["-c", `git -C "${root}" archive ${snapshot} | tar -x -C "${tree}"`]);
  const jobs = Object.fromEntries(LEFT_OUT.map((name) => [name, { rules: [{ when: "never" }] }]));
  await writeFile(
    join(tree, WRAPPER),
    `# The release pipeline as written, without the jobs a shell executor cannot run here.\n${JSON.stringify({ include: [{ local: ".gitlab-ci.yml" }], ...jobs }, null, 2)}\n`,
  );
  await git(tree, "add", "--all");
  await git(tree, "commit", "--quiet", "-m", "this checkout");
  version = (JSON.parse(await readFile(join(tree, "package.json"), "utf8")) as { version: string }).version;
  await git(tree, "tag", `v${version}`);
  await git(tree, "tag", "v9.9.9");
  const remote = cloneUrl(sandbox.url, sandbox.adminToken, project.path_with_namespace);
  // Only the tags: the project's main (its first commit) is protected, and the pipelines run on the tags.
  await git(tree, "push", "--quiet", remote, "--tags");
  await admin.ok("PUT", `/projects/${projectId}`, { ci_config_path: WRAPPER });
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tagPipeline(tag: string): Promise<{ jobs: Job[]; log: (name: string) => Promise<string> }> {
  const pipeline = await admin.ok<{ id: number }>("POST", `/projects/${projectId}/pipeline`, { ref: tag });
  await sandbox.idle();
  const jobs = await admin.ok<Job[]>("GET", `/projects/${projectId}/pipelines/${pipeline.id}/jobs`);
  return {
    jobs,
    log: async (name) => {
      const job = jobs.find((j) => j.name === name);
      return admin.ok<string>("GET", `/projects/${projectId}/jobs/${job?.id ?? 0}/trace`);
    },
  };
}

describe("the release pipeline in the sandbox runner", { timeout: 300_000 }, () => {
  it("runs release-check on the release tag from a fresh clone, and it passes", async () => {
    const { jobs, log } = await tagPipeline(`v${version}`);
    expect(jobs.map((j) => [j.name, j.status])).toEqual([["release-check", "success"]]);
    expect(await log("release-check")).toContain(
      `release-check: v${version} matches package.json, the components and the images`,
    );
  });

  it("fails it on a tag that names another version, saying which file disagrees", async () => {
    const { jobs, log } = await tagPipeline("v9.9.9");
    expect(jobs.map((j) => [j.name, j.status])).toEqual([["release-check", "failed"]]);
    const text = await log("release-check");
    expect(text).toContain(`release-check: package.json says version ${version}, the tag 9.9.9`);
    expect(text).toContain("release-check: templates/claude.yml's default image is");
  });
});
