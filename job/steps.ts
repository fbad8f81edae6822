// The real steps of `agent-bridge run`, each a thin adapter from the run's StepBase to the module that does
// the work (context/, publish/, rules-files.ts, prompt.ts, agents/, mcp/, cloud/). entrypoints/run.ts only
// orchestrates; tests replace any of these through RunJobOptions.steps.
import { join } from "node:path";
import type { CodexOptions } from "./settings/codex-options.ts";
import { listMergeRequestDiffs } from "../shared/gitlab/api/merge-requests.ts";
import { getCurrentUser } from "../shared/gitlab/api/users.ts";
import { readPages } from "../shared/gitlab/paginate.ts";
import { createClaudeRunner, type ClaudeRunnerOptions } from "./agents/claude-runner.ts";
import { claudeProjectConfig } from "./agents/claude-config.ts";
import { codexCostUsd } from "./agents/codex-prices.ts";
import { createCodexRunner } from "./agents/codex-runner.ts";
import { readOutputSchema, withStructuredAnswer } from "./agents/output-schema.ts";
import { cloudModelGateway } from "./cloud/model-credentials.ts";
import { openAgentBox } from "./box/agent-box.ts";
import {
  describeIsolation,
  forWorkdir,
  isolationRefusal,
  probeIsolation,
  unboxedAllowed,
  UNBOXED_ENV,
} from "./box/isolation.ts";
import { DUMMY_MODEL_KEY, startModelProxy } from "./box/model-proxy.ts";
import { buildContext } from "./context/build-context.ts";
import type { AgentRunOptions, JobContext } from "./contracts.ts";
import { JobFailure } from "./job-failure.ts";
import type { MergeRequestFileDiff } from "./mcp/diff-position.ts";
import { startToolBridge } from "./mcp/tool-bridge.ts";
import { buildPrompt } from "./prompt.ts";
import { botIdentity } from "./publish/commit.ts";
import { prepareWorkspace } from "./workspace/prepare-workspace.ts";
import { publishChanges } from "./publish/publish-changes.ts";
import { requestKind } from "./request-kind.ts";
import { applyBaseRules } from "./rules-files.ts";
import type { JobSteps, ModelEnv, StepBase } from "./run-types.ts";

/** Pages of a merge request's diff read for the inline-comment tool (100 files a page). */
const MAX_DIFF_PAGES = 30;

/** The endpoints the CLIs use when no base URL is set. */
const DEFAULT_ANTHROPIC_URL = "https://api.anthropic.com";
const DEFAULT_OPENAI_URL = "https://api.openai.com/v1";

/**
 * The model's endpoint for the agent CLI. The credential always stays in this process: the CLI gets the
 * model proxy's secret URL (job/box/model-proxy.ts) and a dummy key, or for bedrock and vertex its cloud
 * auth skipped, while the proxy signs with what job/cloud gets through the job's GitLab ID token.
 */
export async function modelEnvFor(input: Pick<StepBase, "settings" | "env" | "runDir">): Promise<ModelEnv> {
  const { settings } = input;
  switch (settings.provider) {
    case "anthropic": {
      const { apiKey } = settings;
      const oauthToken = settings.claude?.oauthToken;
      if (apiKey === undefined) {
        if (oauthToken === undefined) {
          return {
            env: settings.baseUrl !== undefined ? { ANTHROPIC_BASE_URL: settings.baseUrl } : {},
            secrets: [],
          };
        }
        // A subscription instead of a key: the CLI holds a dummy token under the subscription's name (so it
        // speaks as a subscriber: Bearer and the OAuth beta header) and the proxy sets the real one.
        const proxy = await startModelProxy({
          upstream: settings.baseUrl ?? DEFAULT_ANTHROPIC_URL,
          auth: { authorization: `Bearer ${oauthToken}` },
        });
        return {
          env: { ANTHROPIC_BASE_URL: proxy.baseUrl, CLAUDE_CODE_OAUTH_TOKEN: DUMMY_MODEL_KEY },
          secrets: [oauthToken],
          ports: [proxy.port],
          close: () => proxy.close(),
        };
      }
      const proxy = await startModelProxy({
        upstream: settings.baseUrl ?? DEFAULT_ANTHROPIC_URL,
        auth: { "x-api-key": apiKey },
      });
      return {
        env: { ANTHROPIC_BASE_URL: proxy.baseUrl, ANTHROPIC_API_KEY: DUMMY_MODEL_KEY },
        secrets: [apiKey],
        ports: [proxy.port],
        close: () => proxy.close(),
      };
    }
    case "openai": {
      if (settings.apiKey === undefined) {
        return {
          env: settings.baseUrl !== undefined ? { OPENAI_BASE_URL: settings.baseUrl } : {},
          secrets: [],
        };
      }
      const proxy = await startModelProxy({
        upstream: settings.baseUrl ?? DEFAULT_OPENAI_URL,
        auth: { authorization: `Bearer ${settings.apiKey}` },
      });
      return {
        env: { OPENAI_BASE_URL: proxy.baseUrl, OPENAI_API_KEY: DUMMY_MODEL_KEY },
        secrets: [settings.apiKey],
        ports: [proxy.port],
        close: () => proxy.close(),
      };
    }
    case "bedrock":
    case "vertex": {
      const gateway = await cloudModelGateway(settings.provider, { env: input.env });
      return {
        env: gateway.env,
        secrets: gateway.secrets,
        ports: [gateway.port],
        close: () => gateway.close(),
      };
    }
  }
}

/**
 * The merge request's diff, file by file, for checking inline comment positions; undefined when the run
 * has no merge request or may not comment inline (a confidential request: a diff note cannot be internal).
 */
async function reviewDiffs(
  input: StepBase & { context: JobContext },
): Promise<MergeRequestFileDiff[] | undefined> {
  const { event, context } = input;
  if (event.noteableType !== "MergeRequest" || event.confidential || !context.mergeRequest) return undefined;
  // The context already read every page of the diff (it is capped far above what a review touches).
  const known = context.mergeRequest.fileDiffs;
  if (known && known.length > 0) {
    return known.map(({ deletedFile, ...file }) => ({
      ...file,
      ...(deletedFile ? { deletedFile: true } : {}),
    }));
  }
  const pages = await readPages(
    (page) => listMergeRequestDiffs(input.gitlab, event.projectId, event.noteableIid, page),
    {
      maxPages: MAX_DIFF_PAGES,
      expectedItems: context.mergeRequest.changedFiles.length,
      signal: input.signal,
    },
  );
  return pages.items.map((file) => ({
    oldPath: file.old_path,
    newPath: file.new_path,
    diff: file.diff,
    ...(file.deleted_file ? { deletedFile: true } : {}),
  }));
}

/** Codex's sandbox and reasoning effort; under `auto`, reviews and questions run read-only. */
export function codexRunOptions(
  codex: CodexOptions | undefined,
  note: string,
): Pick<AgentRunOptions, "sandboxMode" | "reasoningEffort"> {
  if (codex === undefined) return {};
  const sandboxMode =
    codex.sandboxMode !== "auto"
      ? codex.sandboxMode
      : requestKind(note) === "change"
        ? "workspace-write"
        : "read-only";
  return {
    sandboxMode,
    ...(codex.reasoningEffort !== undefined ? { reasoningEffort: codex.reasoningEffort } : {}),
  };
}

/**
 * The agent step: the assistant's runner with the project's Claude or Codex options. `claudeRunner` is for
 * the offline demo only (its env scrub off on a machine without bubblewrap); `agent-bridge run` passes none.
 */
export function runAgentStep(
  claudeRunner: Pick<ClaudeRunnerOptions, "subprocessEnvScrub"> = {},
): JobSteps["runAgent"] {
  return async (input) => {
    const { settings } = input;
    const claudeConfig = settings.claude
      ? await claudeProjectConfig({
          settings: settings.claude.settings,
          mcpConfig: settings.claude.mcpConfig,
          workdir: input.workspace.dir,
          baseRef: `refs/remotes/origin/${input.workspace.baseBranch}`,
        })
      : {};
    const outputSchema =
      settings.outputSchema !== undefined
        ? await readOutputSchema({
            value: settings.outputSchema,
            workdir: input.workspace.dir,
            baseRef: `refs/remotes/origin/${input.workspace.baseBranch}`,
          })
        : undefined;
    // The box: the agent as a user of its own and, where the runner allows, in namespaces of its own.
    const isolation = forWorkdir(await probeIsolation({ env: input.env }), input.workspace.dir);
    const refusal = isolationRefusal(isolation, input.env);
    if (refusal !== undefined) {
      throw new JobFailure(
        refusal,
        "Nothing was run. Change the runner or the image as said, then mention the assistant again.",
      );
    }
    const boxed = isolation.user !== null || isolation.namespaces;
    input.log(
      boxed
        ? `agent box: ${describeIsolation(isolation)}`
        : `agent box: none (${UNBOXED_ENV}=${unboxedAllowed(input.env)}): the agent can read what the job can`,
    );
    const box = boxed
      ? await openAgentBox({
          isolation,
          workdir: input.workspace.dir,
          images: input.context.images,
          toolchain: [input.mcp.command, ...input.mcp.args],
        })
      : undefined;
    const runnerOptions = { hostEnv: input.env, ...(box ? { box } : {}) };
    const runner =
      settings.assistant === "claude"
        ? createClaudeRunner({ ...claudeRunner, ...runnerOptions })
        : createCodexRunner(runnerOptions);
    const result = await runner
      .run({
        prompt: input.prompt.prompt,
        ...(input.prompt.systemPrompt !== undefined ? { systemPrompt: input.prompt.systemPrompt } : {}),
        workdir: input.workspace.dir,
        homeDir: box?.homeDir ?? input.homeDir,
        ...(settings.model !== undefined ? { model: settings.model } : {}),
        ...(settings.maxTurns !== undefined ? { maxTurns: settings.maxTurns } : {}),
        ...(settings.allowedTools !== undefined ? { allowedTools: settings.allowedTools } : {}),
        ...(settings.disallowedTools !== undefined ? { disallowedTools: settings.disallowedTools } : {}),
        ...codexRunOptions(settings.codex, input.context.trigger.body),
        ...(claudeConfig.settings !== undefined ? { claudeSettings: claudeConfig.settings } : {}),
        ...(claudeConfig.mcpServers !== undefined ? { mcpServers: claudeConfig.mcpServers } : {}),
        ...(outputSchema !== undefined ? { outputSchema } : {}),
        extraArgs: settings.extraArgs,
        images: box?.images ?? input.context.images,
        env: input.modelEnv.env,
        mcp: input.mcp,
        deadlineAt: input.deadlineAt,
        signal: input.signal,
        onEvent: input.onEvent,
      })
      .finally(() => box?.close());
    const answered = withStructuredAnswer(result);
    if (settings.codex === undefined || answered.costUsd !== undefined) return answered;
    const cost = codexCostUsd(answered, settings.model, settings.codex.prices);
    return cost === undefined ? answered : { ...answered, costUsd: cost };
  };
}

export const defaultJobSteps: JobSteps = {
  buildContext: (input) =>
    buildContext({
      gitlab: input.gitlab,
      event: input.event,
      ...(input.onTarget ? { onTarget: input.onTarget } : {}),
      raw: {
        baseUrl: input.settings.gitlab.clientBaseUrl,
        token: input.settings.gitlab.token,
        fetch: input.fetch,
      },
      budgetChars: input.settings.contextBudgetChars,
      ...(input.settings.commentAuthors !== undefined
        ? { commentAuthors: input.settings.commentAuthors }
        : {}),
      imageDir: join(input.runDir, "images"),
      now: input.now,
      signal: input.signal,
    }),

  prepareWorkspace: (input) =>
    prepareWorkspace({
      dir: input.settings.gitlab.projectDir,
      gitlab: input.gitlab,
      gitlabUrl: input.settings.gitlab.clientBaseUrl,
      token: input.settings.gitlab.token,
      projectPath: input.settings.gitlab.projectPath,
      event: input.event,
      context: input.context,
      baseBranch: input.settings.baseBranch,
      branchPrefix: input.settings.branchPrefix,
      branchNameTemplate: input.settings.branchNameTemplate,
      redact: input.redact,
      hostEnv: input.env,
      privateDir: join(input.runDir, "git"),
    }),

  applyBaseRules: (input) =>
    applyBaseRules({
      workdir: input.workspace.dir,
      baseRef: `refs/remotes/origin/${input.workspace.baseBranch}`,
      assistant: input.settings.assistant,
      hostEnv: input.env,
    }),

  buildPrompt: (input) =>
    buildPrompt({
      context: input.context,
      event: input.event,
      assistant: input.event.assistant,
      rules: input.rules,
      workspace: input.workspace,
      ...(input.settings.customInstructions !== undefined
        ? { customInstructions: input.settings.customInstructions }
        : {}),
    }),

  modelEnv: (input) => modelEnvFor(input),

  startToolBridge: async (input) => {
    const diffs = await reviewDiffs(input);
    const mergeRequest = input.context.mergeRequest;
    const bridge = await startToolBridge({
      gitlab: input.gitlab,
      event: input.event,
      ...(mergeRequest && diffs ? { mergeRequest: { ...mergeRequest, diffs } } : {}),
      // The placeholder keeps its own pace (at most one edit per interval, the latest wins).
      onProgress: (markdown) => input.placeholder.progress(markdown),
      minProgressIntervalMs: 0,
      redact: input.redact,
      workdir: input.workspace.dir,
      now: input.now,
    });
    return {
      mcp: bridge.launch,
      comments: () => ({
        posted: bridge.inlineComments,
        calls: bridge.inlineCommentCalls,
        refused: bridge.refusedComments,
      }),
      close: () => bridge.close(),
    };
  },

  runAgent: runAgentStep(),

  publishChanges: async (input) => {
    const { settings, event } = input;
    const bot = await getCurrentUser(input.gitlab);
    return publishChanges({
      gitlab: input.gitlab,
      workspace: input.workspace,
      event,
      context: input.context,
      bot: botIdentity(bot, settings.gitlab.serverUrl),
      asker: { username: event.authorUsername },
      summary: input.result.finalText,
      pushMode: settings.pushMode,
      botUserId: bot.id,
      redact: input.redact,
      secretValues: input.secretValues(),
      gitlabUrl: settings.gitlab.clientBaseUrl,
      token: settings.gitlab.token,
      signingKey: settings.signingKey,
      projectPath: settings.gitlab.projectPath,
      jobUrl: settings.gitlab.jobUrl,
      branchPrefix: settings.branchPrefix,
      branchNameTemplate: settings.branchNameTemplate,
      hostEnv: input.env,
    });
  },
};
