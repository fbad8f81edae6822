// The webhook receiver's figures, printed as one JSON line at the end (progress goes to stderr):
//  1. in-process throughput and latency of notes without a mention through the whole handler (verify,
//     parse, policy), on one core, and the outbound calls they caused (must be 0);
//  2. 20 real mentions against the sandbox (its own process, 50 ms per API answer): it delivers each Note Hook to a
//     local `serve`-style receiver (in-process queue), and the acknowledgement GitLab sees (its hook log's
//     execution_duration), the GitLab calls the worker made, their sequential round trips and the time until
//     the placeholder is visible are read off each delivery;
//  3. the bundled Lambda handler: size, and cold import time in a fresh node process.
// Goals (DESIGN.md, "Fast webhook answers"): ≥ 20 000 deliveries/s with p99 < 0.5 ms and no outbound call;
// a mention acknowledged in < 10 ms at p99 as GitLab sees it (the answer never waits on GitLab's API), its
// work in ≤ 7 GitLab calls (note and project read back beside the claim and the author's checks) and ≤ 3
// sequential round trips, the placeholder visible in < 250 ms.
//
//   node bin/run-ts.js bench/webhook.ts [--skip-sandbox] [--skip-bundle] [--deliveries N]
import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startWebhookServer } from "../functions/node/server.ts";
import { createInProcessReceiverFromEnv } from "../functions/node/in-process.ts";
import type { WebhookHandler } from "../functions/shared-wiring.ts";
import { addMember, createProject, createUser, RestClient } from "../sandbox/admin-client.ts";
import type { WebhookRequest } from "../shared/webhook/handler.ts";
import { bundleLambdaHandler, coldImportMs } from "./lambda-bundle.ts";

const { values: args } = parseArgs({
  options: {
    "skip-sandbox": { type: "boolean", default: false },
    "skip-bundle": { type: "boolean", default: false },
    deliveries: { type: "string", default: "100000" },
  },
});

const progress = (text: string) => process.stderr.write(`bench/webhook: ${text}\n`);
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

// 1. Non-mention notes in process ------------------------------------------------------------------------

async function inProcess(deliveries: number) {
  let outbound = 0;
  const refuse: typeof fetch = async () => {
    outbound++;
    throw new Error("a note without a mention must not cause a GitLab call");
  };
  const secret = "bench-webhook-secret";
  const { handler } = createInProcessReceiverFromEnv(
    { GITLAB_URL: "http://127.0.0.1:9", GITLAB_TOKEN: "glpat-bench", WEBHOOK_SECRET: secret },
    { fetch: refuse, log: () => undefined },
  );

  // Realistic comments without an (effective) mention, including the near misses the finder must reject.
  const fixture = readFileSync(
    new URL("../test/fixtures/webhooks/note-on-issue.json", import.meta.url),
    "utf8",
  );
  const notes = [
    "Looks good to me, thanks!",
    "I could reproduce it on 17.4: the job fails after `npm ci` with\n\n```\nERR! code ELIFECYCLE\n```\n\nAny idea?",
    "The snippet says `@claude fix` but that is in code:\n\n```sh\necho '@codex review'\n```",
    "> @claude said earlier that this is fine\n\nMail claude@example.com or ask @claude-bot or @codexer.",
  ];
  const bodies = notes.map((note, i) => {
    const payload = JSON.parse(fixture) as { object_attributes: { note: string; id: number } };
    payload.object_attributes.note = note;
    payload.object_attributes.id += i;
    return Buffer.from(JSON.stringify(payload));
  });
  const headers = {
    "content-type": "application/json",
    "user-agent": "GitLab/18.6.0",
    "x-gitlab-event": "Note Hook",
    "x-gitlab-token": secret,
    "x-gitlab-event-uuid": "6b0e1e3c-0c5b-4a8e-9a59-3f1b7f1e0a11",
    "idempotency-key": "0f4a3c9e-2d5b-4e61-8c7a-5b9d1e2f3a44",
  };

  const results = new Map<string, number>();
  const once = async (i: number) => {
    const answer = await handler({ headers, rawBody: bodies[i % bodies.length] as Buffer });
    return answer;
  };
  for (let i = 0; i < Math.min(20_000, deliveries); i++) await once(i); // warm-up: JIT, caches
  const latencies = new Float64Array(deliveries);
  const started = performance.now();
  for (let i = 0; i < deliveries; i++) {
    const t0 = performance.now();
    const answer = await once(i);
    latencies[i] = performance.now() - t0;
    const key = `${answer.status} ${answer.body}`;
    results.set(key, (results.get(key) ?? 0) + 1);
  }
  const elapsed = performance.now() - started;
  latencies.sort();
  const at = (q: number) => latencies[Math.min(deliveries - 1, Math.floor(q * deliveries))] ?? 0;
  return {
    deliveries,
    perSecond: Math.round((deliveries / elapsed) * 1000),
    p50Ms: round(at(0.5), 4),
    p99Ms: round(at(0.99), 4),
    maxMs: round(latencies[deliveries - 1] ?? 0, 3),
    outboundCalls: outbound,
    answers: Object.fromEntries(results),
  };
}

// 2. A mention through the sandbox --------------------------------------------------------------------------

interface CallTiming {
  method: string;
  path: string;
  status: number;
  startMs: number;
  endMs: number;
}

/** The longest chain of calls each of which started after the previous one ended. */
function sequentialRoundTrips(calls: readonly CallTiming[]): number {
  const sorted = [...calls].sort((a, b) => a.startMs - b.startMs);
  const depth: number[] = [];
  sorted.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const other = sorted[j] as CallTiming;
      if (other.endMs <= call.startMs) before = Math.max(before, depth[j] ?? 0);
    }
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

/**
 * The sandbox as GitLab is to a receiver: another process. Sharing the bench's event loop, the sandbox's
 * synchronous work (it spawns git to read the CI file and the commit of every pipeline it creates, ~20-30 ms
 * of blocked loop per spawn on a busy machine) was charged to the receiver's acknowledgement.
 */
async function sandboxProcess(latencyMs: number): Promise<{
  url: string;
  adminToken: string;
  idle(): Promise<void>;
  close(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("../bin/agent-bridge.js", import.meta.url)),
      "sandbox",
      "--latency-ms",
      String(latencyMs),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text.slice(0, text.indexOf("\n")));
    });
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code}) before it listened`)));
  });
  const { url, adminToken } = JSON.parse(line) as { url: string; adminToken: string };
  return {
    url,
    adminToken,
    idle: async () => {
      await fetch(`${url}/-/sandbox/idle`, { method: "POST", headers: { "PRIVATE-TOKEN": adminToken } });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function mentionThroughSandbox(latencyMs: number) {
  const sandbox = await sandboxProcess(latencyMs);
  const closers: (() => Promise<void>)[] = [() => sandbox.close()];
  try {
    progress(`sandbox at ${sandbox.url} (${latencyMs} ms per answer); setting up`);
    const admin = new RestClient(sandbox.url, sandbox.adminToken);
    const developer = await createUser(admin, "dev");
    const bot = await createUser(admin, "agent-bridge-bot", { bot: true });
    const project = await createProject(admin, {
      path: "bench-app",
      files: {
        ".gitlab-ci.yml": 'claude:\n  script:\n    - echo "agent-bridge job for $AI_FLOW_ASSISTANT"\n',
      },
    });
    await addMember(admin, project.id, developer.id, 30); // Developer: may summon
    // Maintainer: the bridge creates pipelines on the default branch, which is protected.
    await addMember(admin, project.id, bot.id, 40);
    const issue = await developer.client.ok<{ iid: number }>("POST", `/projects/${project.id}/issues`, {
      title: "The README lacks a usage section",
      description: "Add one, please.",
    });

    // The receiver, as `agent-bridge serve` runs it, with its GitLab calls timed per delivery.
    const calls = new AsyncLocalStorage<CallTiming[]>();
    const timedFetch: typeof fetch = async (input, init) => {
      const record: CallTiming = {
        method: init?.method ?? "GET",
        path: new URL(input instanceof Request ? input.url : String(input)).pathname.replace(
          /^\/api\/v4/,
          "",
        ),
        status: 0,
        startMs: performance.now(),
        endMs: 0,
      };
      calls.getStore()?.push(record);
      try {
        const response = await fetch(input, init);
        record.status = response.status;
        return response;
      } finally {
        record.endMs = performance.now();
      }
    };
    const secret = randomBytes(16).toString("hex");
    const logs: Record<string, unknown>[] = [];
    const { handler, settings } = createInProcessReceiverFromEnv(
      {
        GITLAB_URL: sandbox.url,
        GITLAB_TOKEN: bot.token,
        WEBHOOK_SECRET: secret,
        BRIDGE_USER_ID: String(bot.id),
      },
      { fetch: timedFetch, log: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const deliveries: {
      noteId: number | undefined;
      t0: number;
      ms: number;
      /** CPU time of this process during the acknowledgement: the receiver's own work, wherever the wall time went. */
      cpuMs: number;
      status: number;
      calls: CallTiming[];
    }[] = [];
    const timed: WebhookHandler = async (request: WebhookRequest) => {
      const own: CallTiming[] = [];
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const answer = await calls.run(own, () => handler(request));
      const cpu = process.cpuUsage(cpu0);
      const body = JSON.parse(Buffer.from(request.rawBody).toString()) as {
        object_attributes?: { id?: number };
      };
      deliveries.push({
        noteId: body.object_attributes?.id,
        t0,
        ms: performance.now() - t0,
        cpuMs: (cpu.user + cpu.system) / 1000,
        status: answer.status,
        calls: own,
      });
      return answer;
    };
    const receiver = await startWebhookServer({
      handler: timed,
      port: 0,
      host: "127.0.0.1",
      maxBodyBytes: settings.maxBodyBytes,
    });
    closers.unshift(() => receiver.close());
    const hook = await admin.ok<{ id: number }>("POST", `/projects/${project.id}/hooks`, {
      url: receiver.webhookUrl,
      token: secret,
      note_events: true,
      push_events: false,
    });

    // Each mention: GitLab's delivery is answered once the task is queued (the ack), the worker's calls run
    // after (still counted for the delivery: they start in its async context). The placeholder is visible
    // when its POST has been answered.
    const MENTIONS = 20;
    const figures: {
      ackMs: number;
      ackCpuMs: number;
      gitlabMs: number | null;
      placeholderMs: number | null;
    }[] = [];
    let first: { delivery: (typeof deliveries)[number]; result: unknown } | undefined;
    type HookEvent = { request_data: { object_attributes?: { id?: number } }; execution_duration: number };
    for (let n = 0; n < MENTIONS; n++) {
      progress(`posting mention ${n + 1} of ${MENTIONS}`);
      const note = await developer.client.ok<{ id: number }>(
        "POST",
        `/projects/${project.id}/issues/${issue.iid}/notes`,
        { body: `@claude please add a usage section to the README (${n + 1})` },
      );
      const settled = () => logs.some((l) => l["noteId"] === note.id && l["msg"] === "mention task");
      for (let i = 0; i < 600 && !settled(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const delivery = deliveries.find((d) => d.noteId === note.id);
      if (!delivery || !settled()) throw new Error("the mention was not served within 6 s");
      await sandbox.idle();
      const events = await admin.ok<HookEvent[]>("GET", `/projects/${project.id}/hooks/${hook.id}/events`);
      const event = events.find((e) => e.request_data.object_attributes?.id === note.id);
      const placeholder = delivery.calls.find(
        (c) => c.method === "POST" && /\/issues\/\d+\/notes$/.test(c.path) && c.status === 201,
      );
      figures.push({
        ackMs: delivery.ms,
        ackCpuMs: delivery.cpuMs,
        gitlabMs: event ? event.execution_duration * 1000 : null,
        placeholderMs: placeholder ? placeholder.endMs - delivery.t0 : null,
      });
      first ??= {
        delivery,
        result: logs.find((l) => l["noteId"] === note.id && l["msg"] === "mention task")?.["result"] ?? null,
      };
    }
    const pct = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN, 1);
    };
    const acks = figures.map((f) => f.ackMs);
    const seen = figures.flatMap((f) => (f.gitlabMs === null ? [] : [f.gitlabMs]));
    const visible = figures.flatMap((f) => (f.placeholderMs === null ? [] : [f.placeholderMs]));
    const delivery = first!.delivery;
    return {
      latencyMsPerAnswer: latencyMs,
      mentions: MENTIONS,
      result: first!.result,
      status: delivery.status,
      gitlabCalls: delivery.calls.length,
      calls: delivery.calls.map(
        (c) => `${c.method} ${c.path} → ${c.status} (${Math.round(c.endMs - c.startMs)} ms)`,
      ),
      sequentialRoundTrips: sequentialRoundTrips(delivery.calls),
      acknowledgementMs: { p50: pct(acks, 50), p99: pct(acks, 99) },
      // The wall time above includes waiting for a core: on a machine with more runnable processes than
      // cores the scheduler's slices, not the receiver, make its tail. Its own CPU time is this, and the load:
      acknowledgementCpuMs: {
        p50: pct(
          figures.map((f) => f.ackCpuMs),
          50,
        ),
        p99: pct(
          figures.map((f) => f.ackCpuMs),
          99,
        ),
      },
      loadAveragePerCore: round(loadavg()[0]! / availableParallelism(), 1),
      asSeenByGitLabMs: { p50: pct(seen, 50), p99: pct(seen, 99) },
      placeholderVisibleMs: { p50: pct(visible, 50), p99: pct(visible, 99) },
    };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

// 3. The Lambda bundle ----------------------------------------------------------------------------------------

async function lambdaBundle() {
  const bundles = await bundleLambdaHandler();
  const out: Record<string, unknown> = {};
  for (const bundle of bundles) {
    progress(`importing the ${bundle.variant} bundle in 5 fresh processes`);
    const cold = await coldImportMs(bundle.file, 5);
    out[bundle.variant] = {
      bytes: bundle.bytes,
      kib: round(bundle.bytes / 1024, 1),
      gzipKib: round(bundle.gzipBytes / 1024, 1),
      coldImportMs: round(cold.importMs, 1),
      processMs: round(cold.processMs, 1),
      emptyNodeProcessMs: round(cold.emptyProcessMs, 1),
      largestInputsKib: Object.fromEntries(
        bundle.inputs.slice(0, 6).map((i) => [i.source, round(i.bytes / 1024, 1)]),
      ),
    };
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------

const deliveries = Number(args.deliveries);
progress(`${deliveries} non-mention deliveries in process`);
const nonMention = await inProcess(deliveries);
progress(`${nonMention.perSecond}/s, p50 ${nonMention.p50Ms} ms, p99 ${nonMention.p99Ms} ms`);

let mention: unknown = { skipped: true };
if (!args["skip-sandbox"]) {
  try {
    mention = await mentionThroughSandbox(50);
  } catch (error) {
    mention = { error: error instanceof Error ? error.message : String(error) };
  }
}

let bundle: unknown = { skipped: true };
if (!args["skip-bundle"]) {
  try {
    bundle = await lambdaBundle();
  } catch (error) {
    bundle = { error: error instanceof Error ? error.message : String(error) };
  }
}

const goals = {
  nonMentionPerSecond: nonMention.perSecond >= 20_000,
  nonMentionP99: nonMention.p99Ms < 0.5,
  nonMentionNoOutbound: nonMention.outboundCalls === 0,
  ...(typeof mention === "object" && mention !== null && "gitlabCalls" in mention
    ? (() => {
        const m = mention as {
          gitlabCalls: number;
          sequentialRoundTrips: number;
          asSeenByGitLabMs: { p99: number };
          placeholderVisibleMs: { p50: number };
        };
        return {
          mentionCalls: m.gitlabCalls <= 7,
          mentionRoundTrips: m.sequentialRoundTrips <= 3,
          mentionAckP99: m.asSeenByGitLabMs.p99 < 10,
          placeholderVisible: m.placeholderVisibleMs.p50 < 250,
        };
      })()
    : {}),
};
console.log(
  JSON.stringify({
    bench: "webhook",
    node: process.version,
    nonMention,
    mention,
    lambdaBundle: bundle,
    goals,
  }),
);
// The sandbox's runner and keep-alive sockets may linger a moment; the figures are out.
process.exit(0);
