// bench/job: the job runner's own cost on a large merge request, the agent aside. A merge request with N
// changed files and M notes in the sandbox, 20 ms added to every GitLab answer, and a real `agent-bridge run`
// (in process) with the real Claude Code CLI answering a scripted model at once. Prints the runner's
// overhead (wall time less the agent's own duration), the GitLab calls it made, and the prompt's size, for
// two sizes of merge request, so that it shows whether calls grow with pages or with items.
// Run: node bin/run-ts.js bench/job.ts
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runJob } from "../entrypoints/run.ts";
import { DEFAULT_CONTEXT_BUDGET_CHARS } from "../job/settings/types.ts";
import { addMember, createProject, createUser, RestClient } from "../sandbox/admin-client.ts";
import { startAnthropicModelServer } from "../sandbox/models/anthropic-server.ts";
import { startSandbox } from "../sandbox/server.ts";
import { encodeBridgeEvent } from "../shared/webhook/bridge-event.ts";

const run = promisify(execFile);
const LATENCY_MS = 20;
const log = (line: string): void => console.error(`bench/job: ${line}`);

interface Figures {
  changedFiles: number;
  notes: number;
  runnerOverheadMs: number;
  wallMs: number;
  agentMs: number;
  gitlabCalls: number;
  callsByRoute: Record<string, number>;
  /** Milliseconds from one `step:` line of the run's log to the next (the last one to the end). */
  stepsMs: Record<string, number>;
  promptChars: number;
  outcome: string;
}

async function measure(changedFiles: number, notes: number): Promise<Figures> {
  const sandbox = await startSandbox({ runPipelines: false });
  const model = await startAnthropicModelServer({
    script: { turns: [[{ text: "Reviewed: nothing to change." }]] },
  });
  const work = await mkdtemp(join(tmpdir(), "bench-job-"));
  try {
    const admin = new RestClient(sandbox.url, sandbox.adminToken);
    const bot = await createUser(admin, "bot", { bot: true });
    const dev = await createUser(admin, "dev");
    const project = await createProject(admin, { path: "big" });
    await addMember(admin, project.id, bot.id, 30);
    await addMember(admin, project.id, dev.id, 30);
    log(`${changedFiles} files, ${notes} notes: setting up`);
    await dev.client.ok("POST", `/projects/${project.id}/repository/commits`, {
      branch: "big-change",
      start_branch: "main",
      commit_message: "A big change",
      actions: Array.from({ length: changedFiles }, (_, i) => ({
        action: "create",
        file_path: `src/module-${i}.js`,
        content: `export const value${i} = ${i};\n`.repeat(5),
      })),
    });
    const mr = await dev.client.ok<{ iid: number }>("POST", `/projects/${project.id}/merge_requests`, {
      source_branch: "big-change",
      target_branch: "main",
      title: "A big change",
      description: "Touches many modules.",
    });
    for (let i = 0; i < notes; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, notes - i) }, (_, j) =>
          dev.client.ok("POST", `/projects/${project.id}/merge_requests/${mr.iid}/notes`, {
            body: `Note ${i + j}: looks fine.`,
          }),
        ),
      );
    }
    const trigger = await dev.client.ok<{ id: number }>(
      "POST",
      `/projects/${project.id}/merge_requests/${mr.iid}/notes`,
      {
        body: "@claude review this",
      },
    );
    const placeholder = await bot.client.ok<{ id: number }>(
      "POST",
      `/projects/${project.id}/merge_requests/${mr.iid}/notes`,
      {
        body: "working",
      },
    );
    const dir = join(work, "checkout");
    const cloneUrl = new URL(`${sandbox.url}/${project.path_with_namespace}.git`);
    cloneUrl.username = "oauth2";
    cloneUrl.password = bot.token;
    await run("git", ["clone", "-q", cloneUrl.href, dir]);
    await sandbox.idle();

    await fetch(`${sandbox.url}/-/sandbox/latency`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": sandbox.adminToken, "content-type": "application/json" },
      body: JSON.stringify({ ms: LATENCY_MS }),
    });
    const calls: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      calls.push(`${init?.method ?? "GET"} ${url.pathname.replace(/\/\d+/g, "/:n")}`);
      return fetch(input, init);
    };
    const event = {
      assistant: "claude" as const,
      projectId: project.id,
      projectPath: project.path_with_namespace,
      noteableType: "MergeRequest" as const,
      noteableIid: mr.iid,
      noteId: trigger.id,
      discussionId: null,
      placeholderNoteId: placeholder.id,
      authorId: dev.id,
      authorUsername: "dev",
      instruction: "@claude review this",
      confidential: false,
    };
    const stepStarts: Array<[string, number]> = [["start", 0]];
    const started = performance.now();
    const result = await runJob({
      env: {
        // The pinned CLIs of this checkout, as `npm run` would put them first on PATH.
        PATH: `${fileURLToPath(new URL("../node_modules/.bin", import.meta.url))}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
        HOME: work,
        CI_SERVER_URL: sandbox.url,
        CI_API_V4_URL: `${sandbox.url}/api/v4`,
        CI_PROJECT_ID: String(project.id),
        CI_PROJECT_PATH: project.path_with_namespace,
        CI_PROJECT_DIR: dir,
        CI_DEFAULT_BRANCH: "main",
        CI_JOB_ID: "1",
        CI_JOB_URL: `${sandbox.url}/${project.path_with_namespace}/-/jobs/1`,
        GITLAB_TOKEN: bot.token,
        ANTHROPIC_API_KEY: "sk-ant-bench-key-0123456789",
        ANTHROPIC_BASE_URL: model.url,
        AGENT_BRIDGE_EVENT: encodeBridgeEvent(event),
      },
      gitlabFetch: countingFetch,
      log: (line) => {
        const step = /^step: (.+)$/.exec(line)?.[1];
        if (step !== undefined) stepStarts.push([step, performance.now() - started]);
      },
    });
    const wallMs = performance.now() - started;
    const stepsMs = Object.fromEntries(
      stepStarts.map(([name, at], i) => [name, Math.round((stepStarts[i + 1]?.[1] ?? wallMs) - at)]),
    );
    const agentMs = result.agent?.durationMs ?? 0;
    const firstTurn = model.requests.find((r) => r.kind === "turn");
    const messages =
      (firstTurn?.body as { messages?: Array<{ content: unknown }> } | undefined)?.messages ?? [];
    const callsByRoute: Record<string, number> = {};
    for (const c of calls) callsByRoute[c] = (callsByRoute[c] ?? 0) + 1;
    return {
      changedFiles,
      notes,
      runnerOverheadMs: Math.round(wallMs - agentMs),
      wallMs: Math.round(wallMs),
      agentMs,
      gitlabCalls: calls.length,
      callsByRoute,
      stepsMs,
      promptChars: JSON.stringify(messages[0]?.content ?? "").length,
      outcome: result.outcome + (result.reason ? `: ${result.reason}` : ""),
    };
  } finally {
    await model.close();
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  }
}

const small = await measure(100, 300);
const large = await measure(300, 1000);
console.log(
  JSON.stringify({
    bench: "job",
    latencyMsPerCall: LATENCY_MS,
    small,
    large,
    goals: {
      overheadUnder5s: large.runnerOverheadMs < 5000,
      callsGrowWithPagesNotItems: large.gitlabCalls < small.gitlabCalls + 20,
      // The context budget (AGENT_CONTEXT_BUDGET_CHARS) plus the fixed parts of the prompt.
      promptBounded: large.promptChars <= DEFAULT_CONTEXT_BUDGET_CHARS + 20_000,
    },
  }),
);
