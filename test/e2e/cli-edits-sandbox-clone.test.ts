// The whole offline loop the bridge's job depends on: a clone of a sandbox project over HTTP, the real
// `claude` and `codex` CLIs editing it because a scripted model told them to, and the push landing in the
// sandbox's repository.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../sandbox/admin-client.ts";
import { startAnthropicModelServer } from "../../sandbox/models/anthropic-server.ts";
import {
  claudeBin,
  claudeEnv,
  claudeScriptedModel,
  codexBin,
  codexHome,
} from "../../sandbox/models/cli-env.ts";
import { startOpenAIModelServer } from "../../sandbox/models/openai-server.ts";
import { startSandbox, type Sandbox } from "../../sandbox/server.ts";
import { cloneUrl, git } from "../support/git.ts";
import { runCli } from "../sandbox/models/run-cli.ts";

let sandbox: Sandbox;
let admin: RestClient;
let dev: SandboxUser;
let projectId: number;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox({ runPipelines: false });
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "dev");
  const project = await createProject(admin, {
    path: "edit-me",
    files: { "greeting.txt": "hello old world\n" },
  });
  projectId = project.id;
  await addMember(admin, projectId, dev.id, 30);
  work = await mkdtemp(join(tmpdir(), "cli-e2e-"));
});

afterAll(async () => {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
});

async function cloneAndBranch(name: string): Promise<string> {
  const dir = join(work, name);
  await git(work, "clone", "-q", cloneUrl(sandbox.url, dev.token, "root/edit-me"), dir);
  await git(dir, "checkout", "-q", "-b", name);
  return dir;
}

async function pushAndRead(dir: string, branch: string): Promise<string> {
  await git(dir, "commit", "-qam", `Edit by ${branch}`);
  await git(dir, "push", "-q", "origin", branch);
  const raw = await admin.call<string>(
    "GET",
    `/projects/${projectId}/repository/files/greeting.txt/raw?ref=${branch}`,
  );
  return raw.body;
}

describe("real CLIs on a clone of a sandbox project", { timeout: 120_000 }, () => {
  it("claude edits the file as the scripted model says, and the push lands in the sandbox", async ({
    signal,
  }) => {
    const dir = await cloneAndBranch("claude-edit");
    const file = join(dir, "greeting.txt");
    const model = await startAnthropicModelServer({
      script: {
        turns: [
          [{ tool: "Read", input: { file_path: file } }],
          [{ tool: "Edit", input: { file_path: file, old_string: "old", new_string: "new" } }],
          [{ text: "Done: old is new." }],
        ],
      },
    });
    try {
      const home = join(work, "claude-home");
      const run = await runCli(
        claudeBin,
        [
          "-p",
          "Make the greeting new.",
          "--output-format",
          "stream-json",
          "--verbose",
          "--permission-mode",
          "acceptEdits",
          "--allowedTools",
          "Read Edit",
          "--model",
          claudeScriptedModel,
        ],
        {
          cwd: dir,
          env: claudeEnv({ baseUrl: model.url, apiKey: "sk-ant-test", home }),
          signal,
          timeoutMs: 90_000,
        },
      );
      expect(run.code).toBe(0);
    } finally {
      await model.close();
    }
    expect(await readFile(file, "utf8")).toBe("hello new world\n");
    expect(await pushAndRead(dir, "claude-edit")).toBe("hello new world\n");
  });

  it("codex applies the scripted patch, and the push lands in the sandbox", async ({ signal }) => {
    const dir = await cloneAndBranch("codex-edit");
    const model = await startOpenAIModelServer({
      script: {
        turns: [
          [
            {
              tool: "apply_patch",
              input: {
                patch:
                  "*** Begin Patch\n*** Update File: greeting.txt\n@@\n-hello old world\n+hello new world\n*** End Patch\n",
              },
            },
          ],
          [{ text: "Patched." }],
        ],
      },
    });
    try {
      const home = join(work, "codex-home");
      const codex = await codexHome({
        dir: join(home, ".codex"),
        baseUrl: model.url,
        apiKey: "sk-test",
        home,
      });
      const run = await runCli(
        codexBin,
        [
          "exec",
          "--json",
          "--skip-git-repo-check",
          "--ephemeral",
          "--sandbox",
          "workspace-write",
          "-m",
          codex.model,
          "Make the greeting new.",
        ],
        { cwd: dir, env: codex.env, signal, timeoutMs: 90_000 },
      );
      expect(run.code).toBe(0);
    } finally {
      await model.close();
    }
    expect(await pushAndRead(dir, "codex-edit")).toBe("hello new world\n");
  });
});
