// `agent-bridge run`: one mention, start to finish. The event and the settings, the placeholder marked
// "working" with the job link, the context, the workspace on the right branch, the project's rules from the
// base branch, the prompt, the tool bridge (progress and inline comments, holding the GitLab token in this
// process), the agent CLI, the rules put back, the changes published, and the placeholder's last word.
//
//   const result = await runJob({ env: process.env, stopSignal });   // in-process, or `agent-bridge run`
//   process.exitCode = result.exitCode;                               // 0 done or nothing to do, 1 failed
//
// Whatever happens after the event is known (a bad setting, GitLab failing, the agent failing or hanging,
// the deadline, SIGTERM), the placeholder ends as the result or as an error with the job link: never left
// "working". The steps are injected (JobSteps) so each part can be tested alone and the whole in-process.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveRun } from "../job/settings/resolve-run.ts";
import type { JobGitLabSettings, JobSettings } from "../job/settings/types.ts";
import type { Env } from "../shared/config/env-values.ts";
import type { GitLabClient } from "../shared/gitlab/client.ts";
import { describeError } from "../shared/gitlab/gitlab-api-error.ts";
import { createNodeGitLabClient } from "../shared/gitlab/node-client.ts";
import { assistantDisplayName } from "../shared/gitlab/assistant.ts";
import type { AgentEvent, BridgeEvent, Redact, WorkspaceTarget } from "../job/contracts.ts";
import { createRunDeadline, describeStop, stopReasonOf } from "../job/deadline.ts";
import { placeholderLocation, type PlaceholderLocation } from "../job/event-input.ts";
import { createPlaceholder, type Placeholder } from "../shared/placeholder/lifecycle.ts";
import { JobFailure } from "../job/job-failure.ts";
import { mcpToolName } from "../job/mcp/tool-specs.ts";
import { createRedactor, secretValuesFromEnv } from "../job/redact.ts";
import { reviewOutcome } from "../job/review-outcome.ts";
import type { JobSteps, RunJobOptions, RunJobResult, StepBase } from "../job/run-types.ts";
import { describePublish, statsOf } from "../job/run-words.ts";
import { guarded, once, RunStoppedError } from "../job/step-guard.ts";

export async function runJob(options: RunJobOptions): Promise<RunJobResult> {
  const env = options.env;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const secrets = secretValuesFromEnv(env);
  let redactor = createRedactor(secrets);
  const redact: Redact = (text) => redactor(text);
  const rawLog = options.log ?? ((line: string) => process.stderr.write(`agent-bridge run: ${line}\n`));
  const log = (line: string) => rawLog(redact(line));
  const fetchImpl = options.gitlabFetch ?? globalThis.fetch;

  const gitlabFor = (baseUrl: string, token: string): GitLabClient =>
    createNodeGitLabClient({ baseUrl, token, fetch: fetchImpl, now });

  // The event and the settings, resolved in stages: a failure before the event is known can only be logged
  // (or written into the placeholder the malformed event still names); after, it goes on the placeholder.
  const resolved = await resolveRun({
    env,
    readFile: options.readFile ?? ((path) => readFile(path, "utf8")),
    gitlabFor,
    redact,
    log,
  });
  const gitlabSettings: JobGitLabSettings | undefined =
    resolved.stage === "ready"
      ? resolved.settings.gitlab
      : "gitlab" in resolved
        ? resolved.gitlab
        : undefined;
  if (resolved.stage === "skip") {
    log(`nothing to do: ${resolved.reason}`);
    return { exitCode: 0, outcome: "skipped", reason: resolved.reason };
  }
  if (resolved.stage === "prompt") {
    // No event: a run without a mention (job/prompt-run/), with no placeholder to tell.
    const { runPromptJob } = await import("../job/prompt-run/run.ts");
    return runPromptJob({
      options,
      env,
      request: resolved.request,
      startedAt,
      now,
      fetchImpl,
      secrets,
      redact,
      setRedactor: (next) => void (redactor = next),
      log,
      gitlabFor,
    });
  }
  if (resolved.stage === "no-event") {
    const message = describeError(resolved.error);
    log(`cannot read the event: ${message}`);
    if (resolved.placeholder) {
      await reportEarly(
        resolved.placeholder,
        resolved.error,
        "The job could not read its event. Check that the webhook receiver and the CI template use the same agent-bridge version.",
      );
    }
    return { exitCode: 1, outcome: "failed", reason: message };
  }
  const event: BridgeEvent = resolved.event;
  log(
    `event from ${resolved.source}: ${event.assistant} for ${event.noteableType === "Issue" ? "issue #" : "merge request !"}${event.noteableIid} in ${event.projectPath} (${event.trigger ? `${event.trigger.kind} trigger` : `note ${event.noteId}`}, placeholder ${event.placeholderNoteId})`,
  );
  if (resolved.stage === "bad-settings") {
    const message = describeError(resolved.error);
    log(message);
    const hint = `Fix these CI/CD variables (the project's **Settings → CI/CD → Variables**, or the CI template's inputs), then mention \`@${event.assistant}\` again. \`agent-bridge run --help\` lists every variable.`;
    const final = await reportEarly(placeholderLocation(event), resolved.error, hint);
    return { exitCode: 1, outcome: "failed", reason: message, event, placeholderFinal: final };
  }
  const settings: JobSettings = resolved.settings;

  const gitlab = gitlabFor(settings.gitlab.clientBaseUrl, settings.gitlab.token);
  const deadline = createRunDeadline({ now, timeoutMs: settings.timeoutMs, startedAt });
  const onStop = () =>
    deadline.stop(stopReasonOf(options.stopSignal as AbortSignal) ?? { kind: "signal", signal: "abort" });
  if (options.stopSignal?.aborted) onStop();
  options.stopSignal?.addEventListener("abort", onStop, { once: true });

  const location = placeholderLocation(event);
  const placeholder = createPlaceholder({
    gitlab,
    ref: location.ref,
    head: {
      assistant: event.assistant,
      triggerNoteId: event.noteId,
      ...(event.trigger !== undefined ? { triggerKey: event.trigger.key } : {}),
      askedBy: event.authorUsername,
      jobUrl: settings.gitlab.jobUrl,
      jobId: settings.gitlab.jobId,
    },
    redact,
    now,
    startedAt,
    // The run's deadline sits minutes below the job's timeout: the last word may use one of them.
    finalDeadlineAt: deadline.at + 60_000,
    log,
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
  });

  let runDir: string | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  try {
    // The steps' modules (context, workspace, agents, publishing: half of the run's code) load while the
    // first GitLab call is on its way, not before it: the placeholder says "working" sooner. The context's
    // reads do not wait for its answer either (it is awaited with them).
    const working = placeholder.working(settings.gitlab.jobUrl);
    working.catch(() => undefined); // awaited with the first steps below
    const steps: JobSteps = { ...(await import("../job/steps.ts")).defaultJobSteps, ...options.steps };
    if (event.projectId !== settings.gitlab.projectId) {
      throw new JobFailure(
        `the event is for project ${event.projectPath} (${event.projectId}), but this job runs in ${settings.gitlab.projectPath} (${settings.gitlab.projectId}).`,
        "The pipeline must run in the project where the mention was made.",
      );
    }
    runDir = await mkdtemp(join(options.tempDir ?? tmpdir(), "agent-bridge-run-"));
    let secretValues: readonly string[] = secrets;
    const base: StepBase = {
      env,
      settings,
      event,
      gitlab,
      fetch: fetchImpl,
      now,
      redact,
      secretValues: () => secretValues,
      signal: deadline.signal,
      runDir,
      log,
    };
    const step = <T>(name: string, work: () => T | Promise<T>) => guarded(name, work, deadline, log);

    // The context's reads, the workspace's git work and the rules side by side: the workspace needs only
    // the branches (the context's first read tells them), the rules only the workspace. Every one settles
    // before the run goes on or fails, so no step is left changing the checkout behind the cleanup.
    let targetKnown: (target: WorkspaceTarget) => void = () => undefined;
    const target = new Promise<WorkspaceTarget>((resolve) => (targetKnown = resolve));
    const contextRead = step("context", () => steps.buildContext({ ...base, onTarget: targetKnown }));
    // A buildContext that never tells the target (a test's) hands over the whole context when it is done.
    const workspaceRead = step("workspace", async () =>
      steps.prepareWorkspace({ ...base, context: await Promise.race([target, contextRead]) }),
    );
    const rulesRead = workspaceRead.then(async (workspace) => {
      const applied = await step("rules", () => steps.applyBaseRules({ ...base, workspace }));
      const restore = once(() => applied.restore());
      cleanups.push(restore);
      return { files: applied.files, restore };
    });
    const [, context, workspace, rules] = await allSettledOrFirstError([
      working,
      contextRead,
      workspaceRead,
      rulesRead,
    ] as const);
    const restore = rules.restore;
    const prompt = await step("prompt", () =>
      steps.buildPrompt({ ...base, context, workspace, rules: rules.files }),
    );
    const modelEnv = await step("model credentials", () => steps.modelEnv(base));
    if (modelEnv.close) cleanups.push(once(modelEnv.close));
    if (modelEnv.secrets.length > 0) {
      secretValues = [...secrets, ...modelEnv.secrets];
      redactor = createRedactor(secretValues);
    }
    const bridge = await step("tool bridge", () =>
      steps.startToolBridge({ ...base, context, workspace, placeholder }),
    );
    const closeBridge = once(() => bridge.close());
    cleanups.push(closeBridge);

    let commentCallsInStream = 0;
    const result = await step("agent", () =>
      steps.runAgent({
        ...base,
        context,
        workspace,
        prompt,
        modelEnv,
        mcp: bridge.mcp,
        homeDir: join(runDir as string, "home"),
        deadlineAt: deadline.agentAt,
        onEvent: (agentEvent) => {
          if (agentEvent.tool === mcpToolName("create_inline_comment")) commentCallsInStream++;
          onAgentEvent(agentEvent, placeholder, log);
        },
      }),
    );
    log(
      `agent finished: ${result.status} in ${Math.round(result.durationMs / 1000)} s${result.turns !== undefined ? `, ${result.turns} turns` : ""}`,
    );
    await restore();
    await closeBridge().catch((error: unknown) => log(`tool bridge: ${describeError(error)}`));

    if (result.status === "canceled" || result.status === "timeout" || deadline.stopped) {
      throw new RunStoppedError(deadline.stopped ?? { kind: "deadline", timeoutMs: settings.timeoutMs });
    }
    if (result.status === "error") {
      throw new JobFailure(
        `the agent failed: ${result.error ?? "it ended with an error"}`,
        `Nothing was published. The job log has the agent's output; mention \`@${event.assistant}\` again to retry.`,
      );
    }

    const publish = await step("publish", () =>
      steps.publishChanges({ ...base, context, workspace, result }),
    );
    log(`published: ${describePublish(publish)}`);
    const review = reviewOutcome(bridge.comments(), commentCallsInStream);
    for (const missed of review?.notPosted ?? [])
      log(`review comment not posted: ${missed.where}: ${missed.reason}`);
    const final = await placeholder.succeed({
      text: result.finalText,
      publish,
      ...(review !== undefined ? { review } : {}),
      ...statsOf(result),
    });
    // A review that could not be posted in full fails the job too, so the pipeline does not read as green.
    const complete = review === undefined || review.notPosted.length === 0;
    return {
      exitCode: complete ? 0 : 1,
      outcome: complete ? "succeeded" : "incomplete",
      event,
      publish,
      agent: result,
      placeholderFinal: final,
      inlineComments: review?.posted ?? 0,
      redact,
    };
  } catch (error) {
    const stop = error instanceof RunStoppedError ? error.reason : deadline.stopped;
    if (stop) {
      const words = describeStop(stop, event.assistant);
      log(`${assistantDisplayName(event.assistant)} run ${words.error}`);
      const final = await placeholder.fail(words.error, words.hint);
      return { exitCode: 1, outcome: "stopped", reason: words.error, event, placeholderFinal: final };
    }
    const message = describeError(error);
    log(`failed: ${message}`);
    if (!(error instanceof JobFailure) && error instanceof Error && error.stack) log(error.stack);
    const hint =
      error instanceof JobFailure && error.hint !== undefined
        ? error.hint
        : `See the job log for details, then mention \`@${event.assistant}\` again to retry.`;
    const final = await placeholder.fail(error instanceof JobFailure ? error.message : message, hint);
    return { exitCode: 1, outcome: "failed", reason: message, event, placeholderFinal: final };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log(`cleanup: ${describeError(error)}`));
    }
    options.stopSignal?.removeEventListener("abort", onStop);
    deadline.dispose();
    if (runDir !== undefined) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * Writes an error into a placeholder before the settings are known: only the bot token, the GitLab URL
   * and the job link are needed, taken as they are from the environment.
   */
  async function reportEarly(where: PlaceholderLocation, error: unknown, hint: string): Promise<boolean> {
    const baseUrl = gitlabSettings?.clientBaseUrl ?? rawBaseUrl(env);
    const token = gitlabSettings?.token ?? env["GITLAB_TOKEN"]?.trim();
    if (!baseUrl || !token) {
      log("cannot write the error into the placeholder: GITLAB_TOKEN or CI_SERVER_URL is missing");
      return false;
    }
    const early = createPlaceholder({
      gitlab: gitlabFor(baseUrl, token),
      ref: where.ref,
      head: {
        assistant: where.assistant,
        triggerNoteId: where.triggerNoteId,
        ...(where.triggerKey !== undefined ? { triggerKey: where.triggerKey } : {}),
        ...(where.askedBy !== undefined ? { askedBy: where.askedBy } : {}),
        jobUrl: gitlabSettings?.jobUrl ?? env["CI_JOB_URL"]?.trim() ?? baseUrl,
        ...(gitlabSettings ? { jobId: gitlabSettings.jobId } : {}),
      },
      redact,
      now,
      startedAt,
      log,
    });
    return early.fail(error, hint);
  }
}

/** Waits for every promise to settle, then gives their values, or throws the first failure in their order. */
async function allSettledOrFirstError<const T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  for (const result of results) if (result.status === "rejected") throw result.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

function onAgentEvent(event: AgentEvent, placeholder: Placeholder, log: (line: string) => void): void {
  if (event.kind === "todo") placeholder.progress(event.text);
  const text = event.text.length > 500 ? `${event.text.slice(0, 500)}…` : event.text;
  log(`[agent ${event.kind}] ${text.replace(/\s+/g, " ")}`);
}

function rawBaseUrl(env: Env): string | undefined {
  const api = env["CI_API_V4_URL"]?.trim().replace(/\/+$/, "");
  if (api?.endsWith("/api/v4")) return api.slice(0, -"/api/v4".length);
  return env["CI_SERVER_URL"]?.trim().replace(/\/+$/, "") || undefined;
}
