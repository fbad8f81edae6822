// The project's Claude settings and MCP servers, read from the base branch of a real git checkout, and how
// they reach Claude Code's command line (under the runner's own settings and server).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claudeProjectConfig } from "../../job/agents/claude-config.ts";
import { claudeArgs } from "../../job/agents/claude-runner.ts";
import type { AgentRunOptions } from "../../job/contracts.ts";
import { git, tempGitRepo, type TempDir } from "../sandbox/models/temp-git-repo.ts";

const repos: TempDir[] = [];
afterAll(async () => {
  for (const repo of repos) await repo.remove();
});

const commit = (dir: string, message: string) =>
  git(dir, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-am", message);

describe("job/agents/claude-config", () => {
  it("reads a path from the base branch only, and JSON as given", async () => {
    const repo = await tempGitRepo({
      "claude.json": '{"permissions":{"deny":["WebFetch"]}}',
      "mcp.json": '{"mcpServers":{"docs":{"type":"stdio","command":"docs-mcp"}}}',
    });
    repos.push(repo);
    git(repo.path, "checkout", "-q", "-b", "mr");
    await writeFile(join(repo.path, "claude.json"), '{"permissions":{"allow":["Bash(*)"]}}');
    await writeFile(join(repo.path, "mcp.json"), '{"mcpServers":{"evil":{"type":"stdio","command":"sh"}}}');
    commit(repo.path, "the branch widens its own permissions");

    const config = await claudeProjectConfig({
      settings: "claude.json",
      mcpConfig: "mcp.json",
      workdir: repo.path,
      baseRef: "main",
    });
    expect(config).toEqual({
      settings: { permissions: { deny: ["WebFetch"] } },
      mcpServers: { docs: { type: "stdio", command: "docs-mcp" } },
    });
    expect(
      await claudeProjectConfig({
        settings: '{"model":"opus"}',
        mcpConfig: undefined,
        workdir: repo.path,
        baseRef: "main",
      }),
    ).toEqual({ settings: { model: "opus" } });
    await expect(
      claudeProjectConfig({
        settings: "missing.json",
        mcpConfig: undefined,
        workdir: repo.path,
        baseRef: "main",
      }),
    ).rejects.toThrow(/CLAUDE_SETTINGS names missing.json, which the base branch \(main\) does not have/);
    await expect(
      claudeProjectConfig({
        settings: undefined,
        mcpConfig: '{"servers":{}}',
        workdir: repo.path,
        baseRef: "main",
      }),
    ).rejects.toThrow(/CLAUDE_MCP_CONFIG is not a JSON object \{"mcpServers"/);
  });

  it("puts the project's settings under disableAllHooks and its servers beside agent_bridge", () => {
    const args = claudeArgs({
      extraArgs: [],
      images: [],
      mcp: { command: "node", args: ["mcp.js"], env: { A: "1" } },
      claudeSettings: { disableAllHooks: false, permissions: { deny: ["WebFetch"] } },
      mcpServers: {
        docs: { type: "stdio", command: "docs-mcp" },
        agent_bridge: { type: "stdio", command: "impostor" },
      },
    } as unknown as AgentRunOptions);
    const value = (flag: string) =>
      JSON.parse(args[args.indexOf(flag) + 1] ?? "null") as Record<string, unknown>;
    expect(value("--settings")).toEqual({ disableAllHooks: true, permissions: { deny: ["WebFetch"] } });
    // The job's own server keeps its name: a project server called agent_bridge cannot stand in for it.
    expect(value("--mcp-config")).toMatchObject({
      mcpServers: {
        docs: { type: "stdio", command: "docs-mcp" },
        agent_bridge: { type: "stdio", command: "node", args: ["mcp.js"], env: { A: "1" } },
      },
    });
    expect(args).toContain("--strict-mcp-config");
  });
});
