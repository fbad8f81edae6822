// The README's first command on a fresh machine without bubblewrap or socat: `npx agent-bridge demo` says in
// one line what is missing and still turns the mention into a merge request (Claude with its env scrub off,
// Codex with the bubblewrap its package ships), while the real runner refuses to start Claude without them.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingBoxTools } from "../../job/agents/box-tools.ts";
import { createClaudeRunner } from "../../job/agents/claude-runner.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
let hidden: string;

/** A PATH of one folder linking every program of this PATH but bwrap and socat. */
beforeAll(async () => {
  hidden = await mkdtemp(join(tmpdir(), "agent-bridge-no-bwrap-"));
  const seen = new Set<string>();
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (name === "bwrap" || name === "socat" || seen.has(name)) continue;
      seen.add(name);
      await symlink(join(dir, name), join(hidden, name));
    }
  }
});
afterAll(async () => {
  await rm(hidden, { recursive: true, force: true });
});

describe("the demo on a machine without bubblewrap and socat", { timeout: 240_000 }, () => {
  it("hides them for real", () => {
    expect(missingBoxTools(hidden)).toEqual(["bwrap", "socat"]);
  });

  it.each(["claude", "codex"] as const)(
    "npx agent-bridge demo --assistant %s still ends in a merge request",
    async (assistant) => {
      const { stdout } = await run(
        process.execPath,
        [join(root, "bin/agent-bridge.js"), "demo", "--assistant", assistant],
        {
          cwd: root,
          env: { ...process.env, PATH: hidden },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      expect(stdout).toContain("Merge request http");
      expect(stdout).toContain('+export const greeting = "Hello, world! Nice to see you.";');
      const notice = stdout.split("\n").filter((line) => line.includes("not installed"));
      expect(notice).toEqual(
        assistant === "claude"
          ? [
              "· bwrap and socat not installed: the demo runs Claude Code without its env scrub (its key is a fake one); a real `agent-bridge run` refuses to (apt-get install bubblewrap socat)",
            ]
          : [],
      );
    },
  );

  it("while the real runner refuses to start Claude Code, with the fix", async () => {
    const result = await createClaudeRunner({ hostEnv: { PATH: hidden } }).run({
      prompt: "hi",
      workdir: hidden,
      homeDir: join(hidden, "home"),
      extraArgs: [],
      images: [],
      env: {},
      mcp: { command: "node", args: [], env: {} },
      deadlineAt: Date.now() + 60_000,
      signal: new AbortController().signal,
      onEvent: () => undefined,
    });
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^bwrap and socat are not installed: .*apt-get install -y bubblewrap socat/);
  });
});
