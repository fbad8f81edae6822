// The demo: the whole product on this machine, no credentials. A sandbox GitLab with a project that uses the
// real CI component, the webhook receiver in process, a scripted model, and the real Claude Code or Codex
// CLI; a developer asks on an issue, and the answer comes back as a merge request. What each step produced is
// reported as it happens, so a person sees the flow they would get on their own GitLab.
import { readFile } from "node:fs/promises";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { missingBoxTools } from "../job/agents/box-tools.ts";
import { probeIsolation, UNBOXED_ENV } from "../job/box/isolation.ts";
import { createInProcessReceiverFromEnv } from "../functions/node/in-process.ts";
import { startWebhookServer } from "../functions/node/server.ts";
import { addMember, createProject, createUser, RestClient } from "../sandbox/admin-client.ts";
import { startAnthropicModelServer } from "../sandbox/models/anthropic-server.ts";
import { codexScriptedModel } from "../sandbox/models/cli-env.ts";
import type { ModelServer } from "../sandbox/models/model-server.ts";
import { startOpenAIModelServer } from "../sandbox/models/openai-server.ts";
import type { ScriptRequest, Turn } from "../sandbox/models/script.ts";
import { startSandbox } from "../sandbox/server.ts";

export type DemoAssistant = "claude" | "codex";

export interface DemoResult {
  ok: boolean;
  sandboxUrl: string;
  issueUrl: string;
  mergeRequestUrl: string | null;
  placeholder: string;
  diff: string;
}

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const GREETING_FILE = "src/greeting.js";
const OLD = 'export const greeting = "hello world";';
const NEW = 'export const greeting = "Hello, world! Nice to see you.";';

/** The scripted model's side of the demo: read the file, change the line, say what was done. */
function demoScript(assistant: DemoAssistant) {
  return (request: ScriptRequest): Turn | undefined => {
    if (assistant === "codex") {
      const patch = `*** Begin Patch\n*** Update File: ${GREETING_FILE}\n@@\n-${OLD}\n+${NEW}\n*** End Patch\n`;
      return [[{ tool: "apply_patch", input: { patch } }], [{ text: "Made the greeting friendlier." }]][
        request.turnIndex
      ];
    }
    // Claude Code's tools take absolute paths; its system prompt names the working directory.
    const workdir = /Primary working directory: (\/[^\s"\\]+)/.exec(JSON.stringify(request.body))?.[1] ?? ".";
    const file = `${workdir}/${GREETING_FILE}`;
    return [
      [{ tool: "Read", input: { file_path: file } }],
      [{ tool: "Edit", input: { file_path: file, old_string: OLD, new_string: NEW } }],
      [{ text: "Made the greeting friendlier." }],
    ][request.turnIndex];
  };
}

export async function runDemo(options: {
  assistant: DemoAssistant;
  say: (line: string) => void;
}): Promise<DemoResult> {
  const { assistant, say } = options;
  const binDir = await mkdtemp(join(tmpdir(), "agent-bridge-demo-"));
  // Claude Code's env scrub needs bubblewrap and socat; a fresh machine may lack them. The demo then runs
  // the job with the scrub off (the safest mode left: its key is a fake one) and says so.
  const missing = assistant === "claude" ? missingBoxTools(process.env["PATH"]) : [];
  if (missing.length > 0) {
    say(
      `${missing.join(" and ")} not installed: the demo runs Claude Code without its env scrub (its key is a fake one); a real \`agent-bridge run\` refuses to (apt-get install bubblewrap socat)`,
    );
  }
  const entry = missing.length > 0 ? ["bin/run-ts.js", "demo/demo-job.ts"] : ["bin/agent-bridge.js"];
  // The component's job runs `agent-bridge` and the CLI by name, as in the CI image: put this checkout's first.
  await writeFile(
    join(binDir, "agent-bridge"),
    `#!/bin/sh\nexec "${process.execPath}" ${entry.map((file) => `"${root(file)}"`).join(" ")} "$@"\n`,
  );
  await chmod(join(binDir, "agent-bridge"), 0o755);
  process.env["PATH"] = `${binDir}:${root("node_modules/.bin")}:${process.env["PATH"] ?? ""}`;

  const model: ModelServer =
    assistant === "claude"
      ? await startAnthropicModelServer({ script: demoScript("claude") })
      : await startOpenAIModelServer({ script: demoScript("codex") });
  const sandbox = await startSandbox();
  let receiver: Awaited<ReturnType<typeof startWebhookServer>> | undefined;
  try {
    say(`sandbox GitLab at ${sandbox.url} (admin token ${sandbox.adminToken})`);
    const admin = new RestClient(sandbox.url, sandbox.adminToken);
    const bot = await createUser(admin, "agent-bridge-bot", { bot: true });
    const dev = await createUser(admin, "dev");
    const project = await createProject(admin, {
      path: "demo-app",
      files: {
        ".gitlab-ci.yml": await readFile(root(`templates/${assistant}.yml`), "utf8"),
        [GREETING_FILE]: `${OLD}\n`,
        "CLAUDE.md": "# Rules\nKeep changes small.\n",
      },
    });
    await addMember(admin, project.id, bot.id, 30);
    await addMember(admin, project.id, dev.id, 30);
    const variables: Record<string, string> =
      assistant === "claude"
        ? {
            GITLAB_TOKEN: bot.token,
            ANTHROPIC_API_KEY: "sk-ant-demo-scripted-model",
            ANTHROPIC_BASE_URL: model.url,
          }
        : {
            GITLAB_TOKEN: bot.token,
            OPENAI_API_KEY: "sk-demo-scripted-model",
            OPENAI_BASE_URL: model.url,
            CODEX_MODEL: codexScriptedModel,
          };
    // The demo's keys are fake ones and its model a script: where this machine cannot box the agent (no
    // bubblewrap namespaces), it runs unboxed, said in one line; a real project has to opt out by name.
    const isolation = await probeIsolation({ env: process.env });
    if (!isolation.namespaces) {
      variables[UNBOXED_ENV] = "true";
      say(
        "no bubblewrap namespaces for the agent's box here: the demo runs the agent unboxed (its keys are fake ones)",
      );
    }
    for (const [key, value] of Object.entries(variables)) {
      await admin.ok("POST", `/projects/${project.id}/variables`, {
        key,
        value,
        masked: key.endsWith("_KEY") || key === "GITLAB_TOKEN",
      });
    }
    say(
      `project ${project.path_with_namespace}: the ${assistant} CI component as its .gitlab-ci.yml, masked GITLAB_TOKEN and model key`,
    );

    const { handler, queue } = createInProcessReceiverFromEnv(
      {
        GITLAB_URL: sandbox.url,
        GITLAB_TOKEN: bot.token,
        WEBHOOK_SECRET: "demo-webhook-secret",
        BRIDGE_USER_ID: String(bot.id),
      },
      { log: (line) => say(`receiver: ${deliverySummary(line)}`) },
    );
    receiver = await startWebhookServer({ handler, port: 0, host: "127.0.0.1" });
    await admin.ok("POST", `/projects/${project.id}/hooks`, {
      url: receiver.webhookUrl,
      token: "demo-webhook-secret",
      note_events: true,
      confidential_note_events: true,
    });
    say(`webhook receiver at ${receiver.webhookUrl}`);

    const issue = await dev.client.ok<{ iid: number; web_url: string }>(
      "POST",
      `/projects/${project.id}/issues`,
      {
        title: "The greeting is too terse",
      },
    );
    await dev.client.ok("POST", `/projects/${project.id}/issues/${issue.iid}/notes`, {
      body: `@${assistant} please make the greeting friendlier`,
    });
    say(`dev wrote "@${assistant} please make the greeting friendlier" on ${issue.web_url}`);
    // The receiver answers GitLab once the mention is queued and does its GitLab work after: wait for the
    // hook delivery, then for the receiver's queue (claim, placeholder, pipeline), then for the pipeline.
    await sandbox.idle();
    await queue.idle();
    await sandbox.idle();

    const notes = await admin.ok<Array<{ author: { id: number }; body: string }>>(
      "GET",
      `/projects/${project.id}/issues/${issue.iid}/notes?sort=asc`,
    );
    const placeholder = notes.find((n) => n.author.id === bot.id)?.body ?? "(no answer)";
    const mrs = await admin.ok<Array<{ iid: number; web_url: string; source_branch: string }>>(
      "GET",
      `/projects/${project.id}/merge_requests`,
    );
    const mr = mrs[0];
    let diff = "";
    if (mr) {
      const files = await admin.ok<Array<{ new_path: string; diff: string }>>(
        "GET",
        `/projects/${project.id}/merge_requests/${mr.iid}/diffs`,
      );
      diff = files.map((f) => `--- ${f.new_path}\n${f.diff}`).join("\n");
    }
    return {
      ok: mr !== undefined,
      sandboxUrl: sandbox.url,
      issueUrl: issue.web_url,
      mergeRequestUrl: mr?.web_url ?? null,
      placeholder: placeholder.replace(/<!--[^]*?-->\n?/g, "").trim(),
      diff,
    };
  } finally {
    await receiver?.close();
    await sandbox.close();
    await model.close();
    await rm(binDir, { recursive: true, force: true });
  }
}

/** One delivery log line, as a person reads it: "dispatched (4 GitLab calls, 44 ms)". */
function deliverySummary(line: string): string {
  try {
    const record = JSON.parse(line) as {
      result?: string;
      reason?: string | null;
      callCount?: number;
      durationMs?: number;
      noteId?: number;
    };
    const why = record.reason ? `: ${record.reason}` : "";
    return `note ${record.noteId ?? "?"} ${record.result ?? "?"}${why} (${record.callCount ?? 0} GitLab calls, ${record.durationMs ?? 0} ms)`;
  } catch {
    return line;
  }
}
