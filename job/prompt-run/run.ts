// `agent-bridge run` for a pipeline without a mention: a prompt (schedule, Run pipeline, API, trigger,
// multi-project pipeline, or a merge request pipeline in `prompt` mode), or an automatic review in a merge
// request pipeline (`review` modes). The same parts as a mention's run (run.ts): settings, the run's deadline
// and signals, the workspace, the base branch's rules, the model behind its proxy, the agent in its box, the
// tool bridge, publishing; but no note asked, so no placeholder:
// - a change on the project (or on an issue AI_FLOW_CONTEXT names) becomes a merge request from a new branch;
//   on a same-project merge request, commits on its branch; on a fork's, nothing is pushed (the report keeps
//   the answer);
// - a run with no change leaves its answer in the job log and in the report artifact;
// - an automatic review posts inline comments and one summary note, which the next review of the merge
//   request edits (found by its marker) instead of adding another; drafts are skipped.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadJobSettings } from "../settings/load.ts";
import type { JobSettings } from "../settings/types.ts";
import type { Env } from "../../shared/config/env-values.ts";
import { createNote } from "../../shared/gitlab/api/notes.ts";
import { getRepositoryFileText } from "../../shared/gitlab/api/repository-files.ts";
import { getCurrentUser } from "../../shared/gitlab/api/users.ts";
import type { GitLabClient } from "../../shared/gitlab/client.ts";
import { describeError, isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { findReviewSummary } from "../../shared/placeholder/find.ts";
import { renderWorking, type PlaceholderHead } from "../../shared/placeholder/job-text.ts";
import { createPlaceholder, type Placeholder } from "../../shared/placeholder/lifecycle.ts";
import type { AgentRunResult, MergeRequestFacts, PublishResult, Redact } from "../contracts.ts";
import type { MergeRequestFileDiff } from "../mcp/diff-position.ts";
import { createRunDeadline, describeStop, stopReasonOf } from "../deadline.ts";
import { JobFailure } from "../job-failure.ts";
import { mcpToolName } from "../mcp/tool-specs.ts";
import { startToolBridge } from "../mcp/tool-bridge.ts";
import { botIdentity } from "../publish/commit.ts";
import { prepareWorkspace } from "../workspace/prepare-workspace.ts";
import { publishChanges } from "../publish/publish-changes.ts";
import { createRedactor } from "../redact.ts";
import { reviewOutcome } from "../review-outcome.ts";
import { describePublish, statsOf } from "../run-words.ts";
import type { JobSteps, RunBase, RunJobOptions, RunJobResult } from "../run-types.ts";
import { guarded, once, RunStoppedError } from "../step-guard.ts";
import { buildPromptContext } from "./context.ts";
import { buildRunPrompt } from "./instructions.ts";
import type { PromptRequest } from "./request.ts";

/** Largest prompt file read, in characters. */
const MAX_PROMPT_FILE_CHARS = 100_000;

export interface PromptRunInput {
  options: RunJobOptions;
  env: Env;
  request: PromptRequest;
  startedAt: number;
  now: () => number;
  fetchImpl: typeof fetch;
  secrets: readonly string[];
  /** The run's redactor; setRedactor widens it once the model's credentials are known. */
  redact: Redact;
  setRedactor(redactor: Redact): void;
  log: (line: string) => void;
  gitlabFor(baseUrl: string, token: string): GitLabClient;
}

export async function runPromptJob(input: PromptRunInput): Promise<RunJobResult> {
  const { env, request, now, log, redact, options } = input;
  const done = (result: Omit<RunJobResult, "request" | "redact">): RunJobResult => ({
    ...result,
    request,
    redact,
  });
  let settings: JobSettings;
  try {
    settings = loadJobSettings(env, request.assistant);
  } catch (error) {
    const message = describeError(error);
    log(message);
    return done({ exitCode: 1, outcome: "failed", reason: message });
  }
  const gitlab = input.gitlabFor(settings.gitlab.clientBaseUrl, settings.gitlab.token);
  const deadline = createRunDeadline({ now, timeoutMs: settings.timeoutMs, startedAt: input.startedAt });
  const onStop = () =>
    deadline.stop(stopReasonOf(options.stopSignal as AbortSignal) ?? { kind: "signal", signal: "abort" });
  if (options.stopSignal?.aborted) onStop();
  options.stopSignal?.addEventListener("abort", onStop, { once: true });

  let summary: Placeholder | undefined;
  let runDir: string | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const step = <T>(name: string, work: () => T | Promise<T>) => guarded(name, work, deadline, log);
    const steps: JobSteps = { ...(await import("../steps.ts")).defaultJobSteps, ...options.steps };
    const prompt = await step("prompt", () => readPrompt(gitlab, settings, request));
    log(
      `${request.mode === "review" ? "automatic review" : `prompt from ${request.origin}`} in a ${request.pipelineSource} pipeline, ` +
        `on ${describeTarget(request)}: ${settings.assistant}`,
    );
    const runId = Number(env["CI_PIPELINE_ID"]);
    const pipelineUrl = settings.gitlab.pipelineUrl;
    const built = await step("context", () =>
      buildPromptContext({
        gitlab,
        projectId: settings.gitlab.projectId,
        projectPath: settings.gitlab.projectPath,
        request,
        prompt,
        runId: Number.isInteger(runId) && runId > 0 ? runId : settings.gitlab.jobId,
        pipelineUrl,
        budgetChars: settings.contextBudgetChars,
        now,
        signal: deadline.signal,
      }),
    );
    const { context } = built;
    const mergeRequest = built.mergeRequest;
    const bot = await step("bot user", () => getCurrentUser(gitlab));

    if (request.mode === "review") {
      if (!mergeRequest || !context.mergeRequest)
        throw new Error("an automatic review needs its merge request");
      if (mergeRequest.draft)
        return done({ exitCode: 0, outcome: "skipped", reason: `!${mergeRequest.iid} is a draft` });
      if (mergeRequest.state !== "opened") {
        return done({
          exitCode: 0,
          outcome: "skipped",
          reason: `!${mergeRequest.iid} is ${mergeRequest.state}`,
        });
      }
      const headSha = context.mergeRequest.diffRefs.headSha;
      const previous = await step("summary note", () =>
        findReviewSummary(
          gitlab,
          { projectId: settings.gitlab.projectId, mergeRequestIid: mergeRequest.iid },
          settings.assistant,
          bot.id,
        ),
      );
      const status = previous?.marker.status;
      if (previous && status !== "failed" && (!request.everyPush || previous.marker.sha === headSha)) {
        const why = request.everyPush
          ? `commit ${headSha.slice(0, 8)} is reviewed already`
          : "it is reviewed already";
        log(`nothing to do: ${why} (note ${previous.note.id}); review_every_push reviews each push`);
        return done({ exitCode: 0, outcome: "skipped", reason: why, summaryNoteId: previous.note.id });
      }
      const head: PlaceholderHead = {
        assistant: settings.assistant,
        triggerNoteId: mergeRequestGlobalId(mergeRequest, previous?.marker.note),
        jobUrl: settings.gitlab.jobUrl,
        jobId: settings.gitlab.jobId,
        trigger: "auto_review",
        ...(headSha !== "" ? { sha: headSha } : {}),
      };
      const ref = {
        projectId: settings.gitlab.projectId,
        noteableType: "MergeRequest" as const,
        noteableIid: mergeRequest.iid,
      };
      const noteId =
        previous?.note.id ??
        (await step("summary note", () => createNote(gitlab, { ...ref, body: redact(renderWorking(head)) })))
          .id;
      summary = createPlaceholder({
        gitlab,
        ref: { ...ref, noteId },
        head,
        redact,
        now,
        startedAt: input.startedAt,
        finalDeadlineAt: deadline.at + 60_000,
        log,
        ...(options.progressIntervalMs !== undefined
          ? { progressIntervalMs: options.progressIntervalMs }
          : {}),
      });
      await summary.working(settings.gitlab.jobUrl);
    }

    runDir = await mkdtemp(join(options.tempDir ?? tmpdir(), "agent-bridge-run-"));
    let secretValues: readonly string[] = input.secrets;
    const base: RunBase = {
      env,
      settings,
      gitlab,
      fetch: input.fetchImpl,
      now,
      redact,
      secretValues: () => secretValues,
      signal: deadline.signal,
      runDir,
      log,
    };
    const target = { assistant: settings.assistant, projectId: settings.gitlab.projectId };
    const workspace = await step("workspace", () =>
      prepareWorkspace({
        dir: settings.gitlab.projectDir,
        gitlab,
        gitlabUrl: settings.gitlab.clientBaseUrl,
        token: settings.gitlab.token,
        projectPath: settings.gitlab.projectPath,
        event: target,
        context,
        baseBranch: settings.baseBranch,
        branchPrefix: settings.branchPrefix,
        branchNameTemplate: settings.branchNameTemplate,
        redact,
        hostEnv: env,
        privateDir: join(runDir as string, "git"),
      }),
    );
    const rules = await step("rules", () => steps.applyBaseRules({ ...base, workspace }));
    const restore = once(() => rules.restore());
    cleanups.push(restore);
    const agentPrompt = buildRunPrompt({
      context,
      request,
      assistant: settings.assistant,
      projectPath: settings.gitlab.projectPath,
      rules: rules.files,
      workspace,
      ...(settings.customInstructions !== undefined
        ? { customInstructions: settings.customInstructions }
        : {}),
    });
    const modelEnv = await step("model credentials", () => steps.modelEnv(base));
    if (modelEnv.close) cleanups.push(once(modelEnv.close));
    if (modelEnv.secrets.length > 0) {
      secretValues = [...input.secrets, ...modelEnv.secrets];
      input.setRedactor(createRedactor(secretValues));
    }
    const reviewer = summary;
    const mr = context.mergeRequest;
    const bridge = await step("tool bridge", () =>
      startToolBridge({
        gitlab,
        // Inline comments carry the marker of the summary note's review (or, without one, of this job).
        event: {
          ...target,
          noteableType: mr ? "MergeRequest" : "Issue",
          noteId: reviewer?.ref.noteId ?? settings.gitlab.jobId,
          confidential: false,
        },
        ...(mr ? { mergeRequest: { ...mr, diffs: reviewDiffs(mr) } } : {}),
        onProgress: (markdown) => (reviewer ? reviewer.progress(markdown) : log(`progress:\n${markdown}`)),
        minProgressIntervalMs: 0,
        redact,
        workdir: workspace.dir,
        now,
      }),
    );
    const closeBridge = once(() => bridge.close());
    cleanups.push(closeBridge);

    let commentCallsInStream = 0;
    const result: AgentRunResult = await step("agent", () =>
      steps.runAgent({
        ...base,
        context,
        workspace,
        prompt: agentPrompt,
        modelEnv,
        mcp: bridge.launch,
        homeDir: join(runDir as string, "home"),
        deadlineAt: deadline.agentAt,
        onEvent: (event) => {
          if (event.tool === mcpToolName("create_inline_comment")) commentCallsInStream++;
          if (event.kind === "todo") reviewer?.progress(event.text);
          const text = event.text.length > 500 ? `${event.text.slice(0, 500)}…` : event.text;
          log(`[agent ${event.kind}] ${text.replace(/\s+/g, " ")}`);
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
        "Nothing was published.",
      );
    }

    // A review changes nothing: whatever the agent left in the tree stays in the job.
    const publish: PublishResult =
      request.mode === "review"
        ? { kind: "none" }
        : await step("publish", () =>
            publishChanges({
              gitlab,
              workspace,
              event: target,
              context,
              bot: botIdentity(bot, settings.gitlab.serverUrl),
              asker: { username: request.requestedBy ?? bot.username },
              summary: result.finalText,
              pushMode: settings.pushMode,
              botUserId: bot.id,
              redact,
              secretValues: secretValues,
              gitlabUrl: settings.gitlab.clientBaseUrl,
              token: settings.gitlab.token,
              signingKey: settings.signingKey,
              projectPath: settings.gitlab.projectPath,
              jobUrl: settings.gitlab.jobUrl,
              branchPrefix: settings.branchPrefix,
              branchNameTemplate: settings.branchNameTemplate,
              hostEnv: env,
            }),
          );
    log(`published: ${describePublish(publish)}`);
    logAnswer(log, result.finalText);
    const comments = {
      posted: bridge.inlineComments,
      calls: bridge.inlineCommentCalls,
      refused: bridge.refusedComments,
    };
    const review = reviewOutcome(comments, commentCallsInStream);
    for (const missed of review?.notPosted ?? [])
      log(`review comment not posted: ${missed.where}: ${missed.reason}`);
    const final = summary
      ? await summary.succeed({
          text: result.finalText,
          // A patch is only ever shown in a note; a prompt run on a fork keeps it in the job.
          publish,
          ...(review !== undefined ? { review } : {}),
          ...statsOf(result),
        })
      : undefined;
    const complete = review === undefined || review.notPosted.length === 0;
    return done({
      exitCode: complete ? 0 : 1,
      outcome: complete ? "succeeded" : "incomplete",
      publish,
      agent: result,
      ...(final !== undefined ? { placeholderFinal: final } : {}),
      ...(summary ? { summaryNoteId: summary.ref.noteId } : {}),
      inlineComments: review?.posted ?? 0,
    });
  } catch (error) {
    const stop = error instanceof RunStoppedError ? error.reason : deadline.stopped;
    const summaryNote = summary ? { summaryNoteId: summary.ref.noteId } : {};
    if (stop) {
      const words = describeStop(stop, settings.assistant);
      log(`run ${words.error}`);
      const final = summary ? await summary.fail(words.error, words.hint) : undefined;
      return done({
        exitCode: 1,
        outcome: "stopped",
        reason: words.error,
        ...summaryNote,
        ...(final !== undefined ? { placeholderFinal: final } : {}),
      });
    }
    const message = describeError(error);
    log(`failed: ${message}`);
    if (!(error instanceof JobFailure) && error instanceof Error && error.stack) log(error.stack);
    const hint =
      error instanceof JobFailure && error.hint !== undefined ? error.hint : "See the job log for details.";
    const final = summary
      ? await summary.fail(error instanceof JobFailure ? error.message : message, hint)
      : undefined;
    return done({
      exitCode: 1,
      outcome: "failed",
      reason: message,
      ...summaryNote,
      ...(final !== undefined ? { placeholderFinal: final } : {}),
    });
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log(`cleanup: ${describeError(error)}`));
    }
    options.stopSignal?.removeEventListener("abort", onStop);
    deadline.dispose();
    if (runDir !== undefined) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The prompt's text: as given, or the prompt file read from GitLab at the request's ref. */
async function readPrompt(
  gitlab: GitLabClient,
  settings: JobSettings,
  request: PromptRequest,
): Promise<string> {
  if (request.prompt !== undefined) return request.prompt;
  const file = request.promptFile;
  if (!file)
    throw new JobFailure("the run has no prompt", "Set the component's prompt or prompt_file input.");
  let text: string;
  try {
    text = await getRepositoryFileText(gitlab, settings.gitlab.projectId, file.path, file.ref);
  } catch (error) {
    if (isGitLabApiError(error) && error.status === 404) {
      throw new JobFailure(
        `the prompt file ${JSON.stringify(file.path)} is not in the repository at ${file.ref}`,
        "Check the component's prompt_file input: a path from the repository's root.",
      );
    }
    throw error;
  }
  const trimmed = text.trim();
  if (trimmed === "") throw new JobFailure(`the prompt file ${JSON.stringify(file.path)} is empty`);
  return trimmed.slice(0, MAX_PROMPT_FILE_CHARS);
}

function describeTarget(request: PromptRequest): string {
  switch (request.target.kind) {
    case "project":
      return "the project";
    case "issue":
      return `issue #${request.target.iid}`;
    case "merge_request":
      return `merge request !${request.target.iid}`;
  }
}

/** The answer in the job log, line by line (the report artifact has it whole). */
function logAnswer(log: (line: string) => void, text: string): void {
  const lines = text.trim().split("\n");
  log(`answer (${lines.length} line${lines.length === 1 ? "" : "s"}):`);
  for (const line of lines.slice(0, 400)) log(`  ${line}`);
  if (lines.length > 400) log(`  … ${lines.length - 400} more lines in agent-bridge-report.json`);
}

// The summary marker names the merge request by its global id, kept from the earlier summary when there is one.
function mergeRequestGlobalId(
  mergeRequest: { iid: number; id?: number | null | undefined },
  previous: number | undefined,
): number {
  return mergeRequest.id ?? previous ?? mergeRequest.iid;
}

function reviewDiffs(mr: MergeRequestFacts): MergeRequestFileDiff[] {
  return (mr.fileDiffs ?? []).map(({ deletedFile, ...file }) => ({
    ...file,
    ...(deletedFile ? { deletedFile: true } : {}),
  }));
}
