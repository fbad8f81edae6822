// What `agent-bridge run` starts from, resolved in one place: GitLab's variables and the bot token, the
// assistant this job runs, the event (the trigger path applying the receiver's rules when it is a raw Note
// Hook), and the settings for the event's assistant. The result says how far it got, so the run reports
// each stage's failure where it can: nowhere before the event is known, on the placeholder after.
//
//   const resolved = await resolveRun({ env, readFile, gitlabFor, redact, log });
//   if (resolved.stage === "ready") ... resolved.settings, resolved.event
import type { Env } from "../../shared/config/env-values.ts";
import { SettingsError } from "../../shared/config/settings-error.ts";
import type { GitLabClient } from "../../shared/gitlab/client.ts";
import type { BridgeEvent, Redact } from "../contracts.ts";
import {
  EventInputError,
  readEventInput,
  type EventSourceName,
  type PlaceholderLocation,
} from "../event-input.ts";
import { readPromptRequest, type PromptRequest } from "../prompt-run/request.ts";
import { acceptTriggerPayload } from "../trigger-payload.ts";
import {
  loadJobAssistant,
  loadJobGitLabSettings,
  loadJobSettings,
  loadTriggerPolicySettings,
} from "./load.ts";
import type { JobGitLabSettings, JobSettings } from "./types.ts";

export interface ResolveRunOptions {
  env: Env;
  /** Reads TRIGGER_PAYLOAD's file (GitLab passes a file-type variable as a path). */
  readFile: (path: string) => Promise<string>;
  gitlabFor: (baseUrl: string, token: string) => GitLabClient;
  redact: Redact;
  log: (line: string) => void;
}

/** How far the run's inputs got, with what the run reports from at that stage. */
export type ResolvedRun =
  /** Nothing for this job to do (no event, another assistant's, a note that summons no one). */
  | { stage: "skip"; reason: string }
  /** No event, but the pipeline carries a prompt, or is a merge request pipeline's automatic review. */
  | { stage: "prompt"; request: PromptRequest }
  /** The event could not be read; `placeholder` when it still says where its placeholder is. */
  | {
      stage: "no-event";
      error: unknown;
      placeholder: PlaceholderLocation | undefined;
      gitlab: JobGitLabSettings | undefined;
    }
  /** The event is known, its assistant's settings are not valid. */
  | {
      stage: "bad-settings";
      error: unknown;
      event: BridgeEvent;
      source: EventSourceName;
      gitlab: JobGitLabSettings | undefined;
    }
  | { stage: "ready"; event: BridgeEvent; source: EventSourceName; settings: JobSettings };

export async function resolveRun(options: ResolveRunOptions): Promise<ResolvedRun> {
  const { env } = options;
  // GitLab may fail before there is a placeholder to tell; the trigger path needs it, the others do not.
  let gitlab: JobGitLabSettings | undefined;
  let gitlabProblem: SettingsError | undefined;
  try {
    gitlab = loadJobGitLabSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    gitlabProblem = error;
  }

  let event: BridgeEvent;
  let source: EventSourceName;
  try {
    const assistant = loadJobAssistant(env);
    const input = await readEventInput({
      env,
      assistant,
      readFile: options.readFile,
      acceptTrigger: async (hook, forAssistant) => {
        if (!gitlab) throw gitlabProblem ?? new Error("GitLab settings missing");
        return acceptTriggerPayload({
          hook,
          assistant: forAssistant,
          gitlab: options.gitlabFor(gitlab.clientBaseUrl, gitlab.token),
          policy: loadTriggerPolicySettings(env),
          jobUrl: gitlab.jobUrl,
          jobId: gitlab.jobId,
          redact: options.redact,
          log: options.log,
        });
      },
    });
    if (input.kind === "skip" && input.source === null && assistant !== undefined) {
      const prompt = readPromptRequest(env, assistant);
      return prompt.kind === "prompt"
        ? { stage: "prompt", request: prompt.request }
        : { stage: "skip", reason: prompt.reason };
    }
    if (input.kind === "skip") return { stage: "skip", reason: input.reason };
    event = input.event;
    source = input.source;
  } catch (error) {
    const placeholder = error instanceof EventInputError ? error.placeholder : undefined;
    return { stage: "no-event", error, placeholder, gitlab };
  }

  try {
    return { stage: "ready", event, source, settings: loadJobSettings(env, event.assistant) };
  } catch (error) {
    return { stage: "bad-settings", error, event, source, gitlab };
  }
}
