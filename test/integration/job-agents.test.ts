// The agent runners with the real claude and codex CLIs, driven by the scripted model servers, in a temp git
// repository, with the real tool bridge and MCP server, against a sandbox merge request over real HTTP:
// an edit, live progress, an inline comment at the right line and a wrong line refused without a GitLab
// call, an API error, a hang past the deadline, a cancel, and the secrets the agent's commands must not see.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClaudeRunner, DEFAULT_CLAUDE_ALLOWED_TOOLS } from "../../job/agents/claude-runner.ts";
import { createCodexRunner } from "../../job/agents/codex-runner.ts";
import type {
  AgentEvent,
  AgentRunOptions,
  AgentRunResult,
  AgentRunner,
  MergeRequestFacts,
} from "../../job/contracts.ts";
import type { MergeRequestFileDiff } from "../../job/mcp/diff-position.ts";
import { applyBaseRules } from "../../job/rules-files.ts";
import { startToolBridge, type ToolBridge } from "../../job/mcp/tool-bridge.ts";
import { BRIDGE_CAPABILITY_ENV } from "../../job/mcp/tool-specs.ts";
import { createGitLabClient } from "../../shared/gitlab/client.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import type { BridgeEvent } from "../../shared/webhook/bridge-event.ts";
import { startAnthropicModelServer } from "../../sandbox/models/anthropic-server.ts";
import { claudeBin, codexBin, codexScriptedModel } from "../../sandbox/models/cli-env.ts";
import type { ModelServer } from "../../sandbox/models/model-server.ts";
import { startOpenAIModelServer } from "../../sandbox/models/openai-server.ts";
import type { Script, ScriptSource } from "../../sandbox/models/script.ts";
import { featureMergeRequest, startWorld, type World } from "../sandbox/api/api-fixtures.ts";
import { git, tempDir, tempGitRepo, type TempDir } from "../sandbox/models/temp-git-repo.ts";

type Cli = "claude" | "codex";

const runTs = fileURLToPath(new URL("../../bin/run-ts.js", import.meta.url));
const slowMcpServer = fileURLToPath(new URL("./slow-mcp-server.ts", import.meta.url));

const GITLAB_CANARY = "glpat-canaryGitLabToken0123456789abcdef";
/** The model keys the runners are handed for the CLI (the scripted servers accept any). */
const CLAUDE_KEY_CANARY = "sk-ant-canaryModelKey0123456789abcdef";
const OPENAI_KEY_CANARY = "sk-canaryOpenAIKey0123456789abcdefghij";
/** What the job's own environment holds. */
const jobSecrets = {
  GITLAB_TOKEN: GITLAB_CANARY,
  CI_JOB_TOKEN: "canary-ci-job-token-0123456789",
  ANTHROPIC_API_KEY: "sk-ant-canaryJobEnvKey0123456789abcdef",
  OPENAI_API_KEY: "sk-canaryJobEnvOpenAIKey0123456789abcdef",
  // The key the job signs the bot's commits with, after the agent.
  SSH_SIGNING_KEY: "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS1jYW5hcnk=",
};
const savedEnv: Record<string, string | undefined> = {};

let world: World;
let mr: Awaited<ReturnType<typeof featureMergeRequest>>;
let facts: MergeRequestFacts & { diffs: MergeRequestFileDiff[] };
const dirs: TempDir[] = [];
const servers: ModelServer[] = [];
const bridges: ToolBridge[] = [];

beforeAll(async () => {
  world = await startWorld("agents");
  mr = await featureMergeRequest(world, "agents-feature");
  const diffs = await world.dev.client.ok<
    Array<{ old_path: string; new_path: string; diff: string; deleted_file: boolean }>
  >("GET", `/projects/${world.project.id}/merge_requests/${mr.iid}/diffs`);
  facts = {
    iid: mr.iid,
    title: "Add the feature",
    webUrl: `${world.sandbox.url}/${world.project.path_with_namespace}/-/merge_requests/${mr.iid}`,
    sourceBranch: "agents-feature",
    targetBranch: world.project.default_branch,
    sourceProjectId: world.project.id,
    targetProjectId: world.project.id,
    isFork: false,
    diffRefs: {
      baseSha: mr.diff_refs.base_sha,
      headSha: mr.diff_refs.head_sha,
      startSha: mr.diff_refs.start_sha,
    },
    changedFiles: [],
    diffs: diffs.map((d) => ({
      oldPath: d.old_path,
      newPath: d.new_path,
      diff: d.diff,
      deletedFile: d.deleted_file,
    })),
  };
  // This process plays the CI job: its environment holds the bot's token and other credentials. The
  // runners take their base environment from it (their default), and must pass none of these on.
  for (const [name, value] of Object.entries(jobSecrets)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
  savedEnv["PATH"] = process.env["PATH"];
  process.env["PATH"] = await pathWithBubblewrap(process.env["PATH"] ?? "");
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await world?.sandbox.close();
});

afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.close();
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) await dir.remove();
});

/**
 * Claude Code's env scrub runs commands in bubblewrap. CI machines may not have it installed, but Codex's
 * package ships one: put it on the PATH when none is there.
 */
async function pathWithBubblewrap(path: string): Promise<string> {
  const found = path.split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, "bwrap")));
  if (found) return path;
  const vendor = fileURLToPath(
    new URL("../../node_modules/@openai/codex-linux-x64/vendor/", import.meta.url),
  );
  const triples = existsSync(vendor) ? await readdir(vendor) : [];
  const bundled = triples.map((t) => join(vendor, t, "codex-resources", "bwrap")).find((p) => existsSync(p));
  if (bundled === undefined) return path;
  const bin = await tempDir("bwrap-bin");
  await mkdir(bin.path, { recursive: true });
  await symlink(bundled, join(bin.path, "bwrap"));
  return `${bin.path}${delimiter}${path}`;
}

function onPath(path: string, program: string): boolean {
  return path.split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, program)));
}

interface Harness {
  result: AgentRunResult;
  events: AgentEvent[];
  progress: string[];
  gitlabCalls: Array<{ method: string; path: string }>;
  bridge: ToolBridge;
  server: ModelServer;
  repo: TempDir;
  home: TempDir;
}

interface RunSetup {
  cli: Cli;
  /** The model's script; given the working tree, since Claude's Edit names files by absolute path. */
  script: (repo: string) => ScriptSource;
  prompt?: string;
  deadlineMs?: number;
  signal?: AbortSignal;
  allowedTools?: string[];
  /** Extra model environment (retries). */
  env?: Record<string, string>;
  /** Called once the CLI has been started (the bridge is up), for checks during the run. */
  during?: (context: { bridge: ToolBridge; home: TempDir }) => Promise<void>;
  onProgress?: (markdown: string) => void;
  /** More files in the working tree (not committed), by relative path. */
  files?: Record<string, string>;
  /** Image files to hand to the agent, written to the run's home. */
  images?: Record<string, Buffer>;
  /** How the CLI starts the bridge's MCP server (default: the product's own). */
  mcpServer?: { command: string; args: string[] };
  /** The runner's clock (default Date.now); the deadline is counted on it. */
  now?: () => number;
  /** More runner options (Codex's sandbox and reasoning effort). */
  options?: Partial<
    Pick<AgentRunOptions, "sandboxMode" | "reasoningEffort" | "claudeSettings" | "outputSchema">
  >;
  /** Called with the working tree once the files are written, before the CLI starts. */
  prepare?: (repo: string) => Promise<void>;
}

async function runAgent(setup: RunSetup): Promise<Harness> {
  const repo = await tempGitRepo({ "app.txt": "one\ntwo\nthree\n" });
  const home = await tempDir(`${setup.cli}-home`);
  dirs.push(repo, home);
  for (const [path, content] of Object.entries(setup.files ?? {})) {
    await mkdir(dirname(join(repo.path, path)), { recursive: true });
    await writeFile(join(repo.path, path), content);
  }
  await setup.prepare?.(repo.path);
  const server =
    setup.cli === "claude"
      ? await startAnthropicModelServer({ script: setup.script(repo.path) })
      : await startOpenAIModelServer({ script: setup.script(repo.path) });
  servers.push(server);

  const client = createGitLabClient({
    baseUrl: world.sandbox.url,
    token: world.dev.token,
    fetch,
    now: Date.now,
    sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
  });
  const gitlabCalls: Array<{ method: string; path: string }> = [];
  const gitlab: GitLabRequester = {
    request: (method, path, options) => {
      gitlabCalls.push({ method, path });
      return client.request(method, path, options);
    },
  };
  const progress: string[] = [];
  const event: BridgeEvent = {
    assistant: setup.cli,
    projectId: world.project.id,
    projectPath: world.project.path_with_namespace,
    noteableType: "MergeRequest",
    noteableIid: mr.iid,
    noteId: 4242,
    discussionId: null,
    placeholderNoteId: 4243,
    authorId: world.dev.id,
    authorUsername: world.dev.username,
    confidential: false,
  };
  const bridge = await startToolBridge({
    gitlab,
    event,
    mergeRequest: facts,
    onProgress: (markdown) => {
      progress.push(markdown);
      setup.onProgress?.(markdown);
    },
    minProgressIntervalMs: 0,
    redact: (text) => text.replaceAll(GITLAB_CANARY, "[REDACTED]"),
    workdir: repo.path,
    ...(setup.mcpServer !== undefined && { server: setup.mcpServer }),
  });
  bridges.push(bridge);

  const now = setup.now ?? Date.now;
  const runner: AgentRunner =
    setup.cli === "claude"
      ? createClaudeRunner({ bin: claudeBin, killGraceMs: 2_000, now })
      : createCodexRunner({ bin: codexBin, killGraceMs: 2_000, now });
  const modelEnv: Record<string, string> =
    setup.cli === "claude"
      ? { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: CLAUDE_KEY_CANARY, CLAUDE_CODE_MAX_RETRIES: "0" }
      : { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: OPENAI_KEY_CANARY };
  const events: AgentEvent[] = [];
  const options: AgentRunOptions = {
    prompt: setup.prompt ?? "Fix app.txt and review the merge request.",
    systemPrompt: "Answer in English.",
    workdir: repo.path,
    homeDir: home.path,
    model: setup.cli === "claude" ? "claude-sonnet-4-5" : codexScriptedModel,
    maxTurns: 10,
    extraArgs: [],
    images: await Promise.all(
      Object.entries(setup.images ?? {}).map(async ([name, bytes]) => {
        await writeFile(join(home.path, name), bytes);
        return join(home.path, name);
      }),
    ),
    // An empty value in setup.env removes the variable.
    env: Object.fromEntries(
      Object.entries({ ...modelEnv, ...setup.env }).filter(([, value]) => value !== ""),
    ),
    mcp: bridge.launch,
    deadlineAt: now() + (setup.deadlineMs ?? 90_000),
    signal: setup.signal ?? new AbortController().signal,
    onEvent: (e) => events.push(e),
  };
  if (setup.allowedTools !== undefined) options.allowedTools = setup.allowedTools;
  Object.assign(options, setup.options);
  const running = runner.run(options);
  await setup.during?.({ bridge, home });
  const result = await running;
  return { result, events, progress, gitlabCalls, bridge, server, repo, home };
}

interface DiscussionJson {
  notes: Array<{
    type: string | null;
    body: string;
    position?: { new_line: number | null; old_line: number | null; new_path: string };
  }>;
}

async function diffNotes(): Promise<DiscussionJson["notes"]> {
  const threads = await world.dev.client.ok<DiscussionJson[]>(
    "GET",
    `/projects/${world.project.id}/merge_requests/${mr.iid}/discussions?per_page=100`,
  );
  return threads.flatMap((t) => t.notes).filter((n) => n.type === "DiffNote");
}

interface ProcessInfo {
  pid: number;
  command: string;
  environ: string;
}

/** Processes whose environment holds the text (Linux /proc). */
async function processesWithEnv(text: string): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, "utf8");
      if (!environ.includes(text)) continue;
      const command = await readFile(`/proc/${entry}/cmdline`, "utf8");
      found.push({ pid: Number(entry), command: command.replaceAll("\0", " ").slice(0, 200), environ });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** The last tool output in the conversation the model was sent after its answer number turnIndex. */
function lastToolOutput(server: ModelServer, turnIndex: number): string {
  const request = server.requests.find((r) => r.kind === "turn" && r.turnIndex === turnIndex + 1);
  const body = request?.body as { messages?: Array<{ content?: unknown }>; input?: Array<{ type?: string }> };
  if (body?.messages !== undefined) {
    const blocks = body.messages.flatMap((m) =>
      Array.isArray(m.content) ? (m.content as Array<{ type?: string }>) : [],
    );
    return JSON.stringify(blocks.filter((b) => b.type === "tool_result").at(-1) ?? null);
  }
  return JSON.stringify((body?.input ?? []).filter((i) => i.type?.endsWith("_call_output")).at(-1) ?? null);
}

/** What still runs with the text in its environment once the killed processes had a moment to go. */
async function leftovers(text: string): Promise<string[]> {
  let found = await processesWithEnv(text);
  for (let i = 0; i < 50 && found.length > 0; i++) {
    await sleep(100);
    found = await processesWithEnv(text);
  }
  return commands(found);
}

const commands = (processes: ProcessInfo[]): string[] => processes.map((p) => `${p.pid} ${p.command}`);

const tool = (name: string, input: Record<string, unknown>) => ({ tool: name, input });
const progressCall = (checklist: string) => tool("mcp__agent_bridge__update_progress", { checklist });
const commentCall = (line: number, body: string) =>
  tool("mcp__agent_bridge__create_inline_comment", { path: "src/app.txt", line, side: "new", body });

/** The model's turns that change "three" to "THREE" in app.txt (Claude must Read a file before its Edit). */
function editTurns(cli: Cli, repo: string): Script["turns"] {
  const file = join(repo, "app.txt");
  return cli === "claude"
    ? [
        [tool("Read", { file_path: file })],
        [tool("Edit", { file_path: file, old_string: "three", new_string: "THREE" })],
      ]
    : [
        [
          tool("apply_patch", {
            patch:
              "*** Begin Patch\n*** Update File: app.txt\n@@\n one\n two\n-three\n+THREE\n*** End Patch\n",
          }),
        ],
      ];
}

describe.each<Cli>(["claude", "codex"])("%s runner", { timeout: 180_000 }, (cli) => {
  it("edits, reports progress and posts an inline comment through the MCP tools", async () => {
    const before = (await diffNotes()).length;
    const suggestion = `${cli}: why the capitals?\n\n\`\`\`suggestion:-0+0\nthree\n\`\`\``;
    // Longer than one command-line argument may be on Linux (128 KiB): the prompt goes through stdin.
    const prompt = `${"Context line.\n".repeat(12_000)}Fix app.txt and review. PROMPT-END-MARK`;
    // The repository's own Claude settings try to run a hook: the runner's flag settings switch hooks off.
    const hookRan = join(tmpdir(), `agent-bridge-hook-ran-${process.pid}-${cli}`);
    const hook = { hooks: [{ type: "command", command: `touch ${hookRan}` }] };
    const run = await runAgent({
      cli,
      prompt,
      files: {
        "CLAUDE.md": "RULES-FROM-CLAUDE-MD\n",
        "CODEX.md": "RULES-FROM-CODEX-MD\n",
        ".claude/settings.json": JSON.stringify({
          hooks: { SessionStart: [hook], PreToolUse: [{ matcher: "*", ...hook }] },
        }),
      },
      script: (repo) => ({
        turns: [
          [{ text: "Planning." }, progressCall("- [ ] Fix app.txt\n- [ ] Review")],
          ...editTurns(cli, repo),
          [progressCall("- [x] Fix app.txt\n- [ ] Review")],
          [commentCall(3, suggestion)],
          [commentCall(99, "A line the diff does not show.")],
          [{ text: "Fixed app.txt and left one review comment." }],
        ],
      }),
    });

    expect(run.result, JSON.stringify(run.result)).toMatchObject({
      status: "success",
      finalText: "Fixed app.txt and left one review comment.",
    });
    expect(run.result.durationMs).toBeGreaterThan(0);
    expect(run.result.inputTokens).toBeGreaterThan(0);
    expect(run.result.outputTokens).toBeGreaterThan(0);
    if (cli === "claude") {
      expect(run.result.turns).toBe(7);
      expect(run.result.costUsd).toBeGreaterThan(0);
    }
    // The whole prompt arrived, and the system prompt with it.
    const first = JSON.stringify(run.server.requests.find((r) => r.kind === "turn")?.body);
    expect(first).toContain("PROMPT-END-MARK");
    expect(first).toContain("Answer in English.");
    // The project's rules: CLAUDE.md for Claude, CODEX.md (named as a project doc) for Codex.
    expect(first).toContain(cli === "claude" ? "RULES-FROM-CLAUDE-MD" : "RULES-FROM-CODEX-MD");
    expect(first).not.toContain(cli === "claude" ? "RULES-FROM-CODEX-MD" : "RULES-FROM-CLAUDE-MD");
    expect(existsSync(hookRan)).toBe(false);

    expect(await readFile(join(run.repo.path, "app.txt"), "utf8")).toBe("one\ntwo\nTHREE\n");
    expect(git(run.repo.path, "status", "--porcelain", "--", "app.txt")).toBe(" M app.txt\n");

    // Live progress through the real MCP path: claude/codex → mcp-server → tool bridge → onProgress.
    expect(run.progress).toEqual(["- [ ] Fix app.txt\n- [ ] Review", "- [x] Fix app.txt\n- [ ] Review"]);
    expect(run.bridge.lastChecklist).toBe("- [x] Fix app.txt\n- [ ] Review");
    expect(run.events).toContainEqual({ kind: "text", text: "Planning." });
    expect(run.events.filter((e) => e.kind === "tool").length).toBeGreaterThanOrEqual(4);

    // One DiffNote at new line 3, with the bridge's marker; the wrong line never reached GitLab.
    expect(run.gitlabCalls).toEqual([
      { method: "POST", path: `/projects/${world.project.id}/merge_requests/${mr.iid}/discussions` },
    ]);
    expect(run.bridge.inlineComments).toBe(1);
    const notes = await diffNotes();
    expect(notes).toHaveLength(before + 1);
    const note = notes.find((n) => n.body.startsWith(`${cli}: why the capitals?`));
    expect(note?.position).toMatchObject({ new_path: "src/app.txt", new_line: 3, old_line: null });
    expect(note?.body).toContain("```suggestion:-0+0\nthree\n```");
    expect(note?.body).toContain(`<!-- agent-bridge:review {"assistant":"${cli}","note":4242} -->`);
    // The model was told why line 99 was refused, and which lines are valid.
    const commentTurn = cli === "claude" ? 4 : 3;
    const afterBadLine = lastToolOutput(run.server, commentTurn + 1);
    expect(afterBadLine).toContain("Line 99 on the new side of src/app.txt is not part of the merge request");
    expect(afterBadLine).toContain("new side 1-5");
    expect(lastToolOutput(run.server, commentTurn)).toContain("Comment posted on src/app.txt line 3");
  });

  it("hands the images to the agent", async () => {
    // A 1×1 PNG.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
      "base64",
    );
    const run = await runAgent({
      cli,
      images: { "shot.png": png },
      script: () => ({ turns: [[{ text: "Seen." }]] }),
    });
    expect(run.result.status).toBe("success");
    const first = JSON.stringify(run.server.requests.find((r) => r.kind === "turn")?.body);
    if (cli === "codex") {
      // Attached to the prompt as an image input.
      expect(first).toContain('"type":"input_image"');
      expect(first).toContain("data:image/png;base64,");
    } else {
      // Named in the prompt, for Claude's Read tool.
      expect(first).toContain(`- ${join(run.home.path, "shot.png")}`);
    }
  });

  if (cli === "codex") {
    it("runs the agent's commands without network", async () => {
      // The scripted model server is on this machine's loopback; from inside the sandbox's network
      // namespace it cannot be reached.
      const probe = (url: string) =>
        `node -e 'fetch(${JSON.stringify(url)}).then(() => console.log("NET-OPEN"), () => console.log("NET-CLOSED"))'`;
      let url = "";
      const run = await runAgent({
        cli,
        script:
          () =>
          async ({ turnIndex }) => {
            if (turnIndex === 0) {
              url = servers.at(-1)!.url;
              return [tool("shell", { cmd: probe(url) })];
            }
            return turnIndex === 1 ? [{ text: "Probed." }] : undefined;
          },
      });
      expect(run.result.status).toBe("success");
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      const output = lastToolOutput(run.server, 0);
      expect(output).toContain("NET-CLOSED");
      expect(output).not.toContain("NET-OPEN");
    });
  }

  it("reports an API error as status error with the API's message", async () => {
    const run = await runAgent({
      cli,
      script: () => ({ turns: [[{ error: { status: 400, message: "scripted failure: bad request" } }]] }),
    });
    expect(run.result.status).toBe("error");
    expect(run.result.error).toContain("scripted failure: bad request");
    expect(run.server.requests.filter((r) => r.kind === "turn")).toHaveLength(1);
  });

  it("stops a hanging model at the deadline and leaves no process behind", async () => {
    let during: ProcessInfo[] = [];
    // The deadline is counted from the first model request, not from the start: on a busy machine the CLI
    // and its MCP server may take longer than any fixed deadline to get there, and the run would then be
    // stopped before it hung (the flaky failure of issue 8).
    const run = await runAgent({
      cli,
      now: clockFromFirstTurn(),
      deadlineMs: 3_000,
      script: () => ({ turns: [[{ delayMs: 120_000 }, { text: "too late" }]] }),
      during: async ({ home }) => {
        // Wait for the first model call: the CLI is up, hanging on the answer.
        await waitFor(() => servers.at(-1)!.requests.some((r) => r.kind === "turn"));
        during = await processesWithEnv(`HOME=${home.path}\0`);
      },
    });
    expect(run.result.status).toBe("timeout");
    expect(run.result.error).toMatch(/stopped at the deadline/);
    expect(during.length).toBeGreaterThan(0);
    expect(await leftovers(`HOME=${run.home.path}\0`)).toEqual([]);
  });

  it("waits for a slow MCP server before its first model request", async () => {
    // 6 s: beyond Claude Code's default wait (MCP_CONNECT_TIMEOUT_MS, 5 s) and Codex's for optional servers.
    const run = await runAgent({
      cli,
      mcpServer: { command: process.execPath, args: [runTs, slowMcpServer, "6000"] },
      script: () => ({
        turns: [[progressCall("- [x] Started after the tools")], [{ text: "Done." }]],
      }),
    });
    expect(run.result, JSON.stringify(run.result)).toMatchObject({ status: "success", finalText: "Done." });
    const first = JSON.stringify(run.server.requests.find((r) => r.kind === "turn")?.body);
    // The tools were offered from the first request on (Codex defers MCP tools behind its tool search,
    // which names the server), and the first turn's call went through.
    expect(first).toContain(cli === "claude" ? "mcp__agent_bridge__update_progress" : "agent_bridge");
    expect(run.progress).toEqual(["- [x] Started after the tools"]);
  });

  it("stops at once, without a model request, when the bridge's MCP server cannot start", async () => {
    const run = await runAgent({
      cli,
      mcpServer: { command: process.execPath, args: ["-e", "process.exit(3)"] },
      script: () => ({ turns: [[{ text: "Working without tools." }]] }),
    });
    expect(run.result.status).toBe("error");
    expect(run.result.error).toContain("the progress and review tools did not start");
    expect(run.server.requests.filter((r) => r.kind === "turn")).toEqual([]);
    expect(await leftovers(`HOME=${run.home.path}\0`)).toEqual([]);
  });

  it("stops on the caller's signal with status canceled", async () => {
    const controller = new AbortController();
    const run = await runAgent({
      cli,
      signal: controller.signal,
      script: () => ({ turns: [[{ delayMs: 120_000 }]] }),
      during: async () => {
        await waitFor(() => servers.at(-1)!.requests.some((r) => r.kind === "turn"));
        controller.abort();
      },
    });
    expect(run.result.status).toBe("canceled");
    expect(await leftovers(`HOME=${run.home.path}\0`)).toEqual([]);
  });

  it("keeps the GitLab token and the model key out of the agent's commands and the MCP server", async () => {
    const command = "env; printenv GITLAB_TOKEN CI_JOB_TOKEN ANTHROPIC_API_KEY OPENAI_API_KEY; echo ENV-DONE";
    let mcpEnvironments: string[] = [];
    const turns: Script["turns"] = [
      [cli === "claude" ? tool("Bash", { command }) : tool("shell", { cmd: command })],
      [progressCall("- [x] Looked at the environment")],
      [{ text: "Done." }],
    ];
    const run = await runAgent({
      cli,
      allowedTools: [...DEFAULT_CLAUDE_ALLOWED_TOOLS, "Bash(env:*)", "Bash(printenv:*)", "Bash(echo:*)"],
      // Before the last answer the MCP server is alive (it has just forwarded update_progress): read its
      // environment then.
      script:
        () =>
        async ({ turnIndex }) => {
          if (turnIndex === 2) {
            const found = await processesWithEnv(`${BRIDGE_CAPABILITY_ENV}=`);
            mcpEnvironments = found.map((p) => p.environ);
          }
          return turns[turnIndex];
        },
    });
    if (cli === "claude" && !onPath(process.env["PATH"] ?? "", "socat")) {
      throw new Error(
        "socat is not installed: Claude Code's CLAUDE_CODE_SUBPROCESS_ENV_SCRUB runs Bash in bubblewrap, which needs bwrap and socat (apt-get install -y bubblewrap socat)",
      );
    }
    expect(run.result.status, JSON.stringify(run.result)).toBe("success");
    const seen = lastToolOutput(run.server, 0);
    // The command ran and its output went back to the model...
    expect(seen).toContain("ENV-DONE");
    expect(seen).toContain(`HOME=${run.home.path}`);
    // Codex ran it in its sandbox, network off.
    if (cli === "codex") expect(seen).toContain("CODEX_SANDBOX_NETWORK_DISABLED=1");
    // ...without the job's credentials or the model key.
    for (const secret of [...Object.values(jobSecrets), CLAUDE_KEY_CANARY, OPENAI_KEY_CANARY]) {
      expect(seen.includes(secret), `${secret} reached the model`).toBe(false);
    }
    expect(mcpEnvironments.length).toBeGreaterThan(0);
    for (const environ of mcpEnvironments) {
      // Claude scrubs the model key from its MCP servers too; Codex gives them a minimal environment.
      for (const secret of [...Object.values(jobSecrets), CLAUDE_KEY_CANARY, OPENAI_KEY_CANARY]) {
        expect(environ.includes(secret), `${secret} in the MCP server's environment`).toBe(false);
      }
      expect(environ).not.toContain("GITLAB_TOKEN=");
    }
  });
});

/**
 * A clock that stands still until the model server has its first request, then runs: a deadline counted on
 * it falls a fixed time after the CLI reached the model, however long its start took.
 */
function clockFromFirstTurn(): () => number {
  const origin = Date.now();
  let runningSince: number | undefined;
  return () => {
    if (runningSince === undefined) {
      if (!servers.at(-1)?.requests.some((r) => r.kind === "turn")) return origin;
      runningSince = Date.now();
    }
    return origin + (Date.now() - runningSince);
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("timed out waiting for a condition");
    await sleep(50);
  }
}

describe("the codex runner with the project's rules", { timeout: 180_000 }, () => {
  it("reads the base branch's CODEX.md, not AGENTS.md nor the branch's own CODEX.md", async () => {
    let restore: (() => Promise<void>) | undefined;
    const run = await runAgent({
      cli: "codex",
      files: { "CODEX.md": "RULES-FROM-CODEX-MD\n", "AGENTS.md": "RULES-FROM-AGENTS-MD\n" },
      prepare: async (repo) => {
        const commit = (message: string) =>
          git(
            repo,
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-q",
            "-am",
            message,
          );
        git(repo, "add", "-A");
        commit("rules on main");
        git(repo, "checkout", "-q", "-b", "mr");
        await writeFile(join(repo, "CODEX.md"), "RULES-FROM-THE-BRANCH\n");
        commit("the branch rewrites its rules");
        restore = (await applyBaseRules({ workdir: repo, baseRef: "main", assistant: "codex" })).restore;
      },
      script: () => ({ turns: [[{ text: "Read the rules." }]] }),
    });
    expect(run.result, JSON.stringify(run.result)).toMatchObject({ status: "success" });
    const first = JSON.stringify(run.server.requests.find((r) => r.kind === "turn")?.body);
    expect(first).toContain("RULES-FROM-CODEX-MD");
    expect(first).not.toContain("RULES-FROM-AGENTS-MD");
    expect(first).not.toContain("RULES-FROM-THE-BRANCH");
    await restore?.();
    expect(git(run.repo.path, "status", "--porcelain")).toBe("");
  });
});

describe("the codex runner's sandbox and reasoning effort", { timeout: 180_000 }, () => {
  it("runs a review read-only: the patch is refused, the effort reaches the model, steps and tokens counted", async () => {
    const run = await runAgent({
      cli: "codex",
      options: { sandboxMode: "read-only", reasoningEffort: "high" },
      script: (repo) => ({ turns: [...editTurns("codex", repo), [{ text: "Reviewed; no edits." }]] }),
    });
    expect(run.result, JSON.stringify(run.result)).toMatchObject({
      status: "success",
      finalText: "Reviewed; no edits.",
    });
    expect(await readFile(join(run.repo.path, "app.txt"), "utf8")).toBe("one\ntwo\nthree\n");
    expect(git(run.repo.path, "status", "--porcelain")).toBe("");
    const first = run.server.requests.find((r) => r.kind === "turn")?.body as {
      reasoning?: { effort?: string };
    };
    expect(first.reasoning?.effort).toBe("high");
    expect(run.result.turns).toBeGreaterThanOrEqual(1);
    expect(run.result.inputTokens).toBeGreaterThan(0);
    expect(run.result.outputTokens).toBeGreaterThan(0);
  });
});

describe("the claude runner with a subscription and the project's settings", { timeout: 180_000 }, () => {
  it("authenticates with CLAUDE_CODE_OAUTH_TOKEN and applies the settings, hooks still off", async () => {
    const token = "sk-ant-oat01-canarySubscriptionToken0123456789";
    const run = await runAgent({
      cli: "claude",
      env: { ANTHROPIC_API_KEY: "", CLAUDE_CODE_OAUTH_TOKEN: token },
      options: {
        claudeSettings: {
          env: { ANTHROPIC_CUSTOM_HEADERS: "x-project-settings: applied" },
          // The runner's own key wins: the repository's hook below must not run.
          disableAllHooks: false,
          hooks: {
            SessionStart: [{ hooks: [{ type: "command", command: "touch /tmp/never-from-settings" }] }],
          },
        },
      },
      script: () => ({ turns: [[{ text: "Done." }]] }),
    });
    expect(run.result, JSON.stringify(run.result)).toMatchObject({ status: "success", finalText: "Done." });
    const turn = run.server.requests.find((r) => r.kind === "turn");
    expect(turn?.headers["authorization"]).toBe(`Bearer ${token}`);
    expect(turn?.headers["x-api-key"]).toBeUndefined();
    expect(turn?.headers["x-project-settings"]).toBe("applied");
    expect(existsSync("/tmp/never-from-settings")).toBe(false);
  });
});

describe.each<Cli>(["claude", "codex"])(
  "the %s runner with an output schema",
  { timeout: 180_000 },
  (cli) => {
    const schema = {
      type: "object",
      properties: {
        verdict: { type: "string", enum: ["approve", "request_changes"] },
        issues: { type: "integer" },
      },
      required: ["verdict", "issues"],
      additionalProperties: false,
    };
    it("hands the schema to the model and returns the answer as structured output", async () => {
      const answer = { verdict: "request_changes", issues: 2 };
      const run = await runAgent({
        cli,
        options: { outputSchema: schema },
        // Claude answers through its StructuredOutput tool; Codex's model answers with the JSON as its text.
        script: () => ({
          turns: [
            cli === "claude"
              ? [{ tool: "StructuredOutput", input: answer }]
              : [{ text: JSON.stringify(answer) }],
          ],
        }),
      });
      expect(run.result, JSON.stringify(run.result)).toMatchObject({
        status: "success",
        structuredOutput: answer,
      });
      const first = run.server.requests.find((r) => r.kind === "turn")?.body as {
        tools?: Array<{ name?: string; input_schema?: unknown }>;
        text?: { format?: { type?: string; schema?: unknown } };
      };
      if (cli === "claude") {
        expect(first.tools?.find((tool) => tool.name === "StructuredOutput")?.input_schema).toEqual(schema);
      } else {
        expect(first.text?.format).toMatchObject({ type: "json_schema", schema });
        // The schema file lies in the run's home, out of the agent's working tree.
        expect(git(run.repo.path, "status", "--porcelain")).toBe("");
      }
    });
  },
);
