// The components' home in a sandbox, as a team hosts them on its own GitLab: the public project
// agent-bridge/agent-bridge with this checkout's templates/, tagged v0.1.0, for the PRD's include form
// (`include: - project: agent-bridge/agent-bridge ref: v0.1.0 file: /templates/claude.yml`). And the
// `agent-bridge` command the components' jobs run, which in the sandbox's shell runner is this checkout.
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProject, RestClient } from "../../../sandbox/admin-client.ts";
import type { Sandbox } from "../../../sandbox/server.ts";
import { cloneUrl, git } from "../../support/git.ts";
import { AGENT_BRIDGE_BIN } from "../../support/serve.ts";

export const COMPONENTS_PROJECT = "agent-bridge/agent-bridge";
export const COMPONENTS_TAG = "v0.1.0";

export async function publishComponents(sandbox: Sandbox, workDir: string): Promise<void> {
  const admin = new RestClient(sandbox.url, sandbox.adminToken);
  await admin.ok("POST", "/groups", { name: "agent-bridge", path: "agent-bridge" });
  const files: Record<string, string> = {};
  for (const name of ["claude", "codex"]) {
    files[`templates/${name}.yml`] = await readFile(
      new URL(`../../../templates/${name}.yml`, import.meta.url),
      "utf8",
    );
  }
  const host = await createProject(admin, { path: "agent-bridge", namespace: "agent-bridge", files });
  await admin.ok("PUT", `/projects/${host.id}`, { visibility: "public" });
  const clone = await mkdtemp(join(workDir, "components-"));
  await git(
    workDir,
    "clone",
    "--quiet",
    cloneUrl(sandbox.url, sandbox.adminToken, host.path_with_namespace),
    clone,
  );
  await git(clone, "tag", COMPONENTS_TAG);
  await git(clone, "push", "--quiet", "origin", COMPONENTS_TAG);
}

/** Puts an `agent-bridge` that runs this checkout first on PATH; returns the directory. */
export async function agentBridgeOnPath(): Promise<string> {
  const bin = join(await mkdtemp(join(tmpdir(), "e2e-bin-")), "bin");
  await mkdir(bin);
  await writeFile(
    join(bin, "agent-bridge"),
    `#!/bin/sh\nexec "${process.execPath}" "${AGENT_BRIDGE_BIN}" "$@"\n`,
  );
  await chmod(join(bin, "agent-bridge"), 0o755);
  process.env["PATH"] = `${bin}:${process.env["PATH"] ?? ""}`;
  return bin;
}
