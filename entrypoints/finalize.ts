// `agent-bridge finalize`, for the CI template's after_script: the last guard of "never left working".
// GitLab runs after_script even when the job failed, timed out or was canceled, and tells it which through
// CI_JOB_STATUS. If the run could not write its last word (killed with SIGKILL, the runner lost, a crash),
// the placeholder still says "working": finalize turns it into an error with the job link and the reason.
// A placeholder that is done or failed is left alone, so running it twice, or after a run that finished,
// changes nothing. It never fails the job: every problem is logged and the exit code is 0.
import { readFile } from "node:fs/promises";
import { loadJobAssistant, loadJobGitLabSettings } from "../job/settings/load.ts";
import type { JobGitLabSettings } from "../job/settings/types.ts";
import { getNote, type Note, type NoteRef } from "../shared/gitlab/api/notes.ts";
import { getCurrentUser } from "../shared/gitlab/api/users.ts";
import type { GitLabRequester } from "../shared/gitlab/client.ts";
import { createNodeGitLabClient } from "../shared/gitlab/node-client.ts";
import type { Env } from "../shared/config/env-values.ts";
import { describeError } from "../shared/gitlab/gitlab-api-error.ts";
import {
  placeholderLocation,
  readEventInput,
  readTriggerPayload,
  type PlaceholderLocation,
} from "../job/event-input.ts";
import { findBotPlaceholders } from "../shared/placeholder/find.ts";
import { formatDuration } from "../shared/placeholder/job-text.ts";
import { createPlaceholder } from "../shared/placeholder/lifecycle.ts";
import { readPlaceholder } from "../shared/placeholder/marker.ts";
import { createRedactor, secretValuesFromEnv } from "../job/redact.ts";

export interface FinalizeOptions {
  env: Env;
  gitlabFetch?: typeof fetch;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  log?: (line: string) => void;
  readFile?: (path: string) => Promise<string>;
}

export type FinalizeAction = "marked-failed" | "left-alone" | "nothing-to-do" | "error";

export interface FinalizeResult {
  action: FinalizeAction;
  /** What was done and why, as logged. */
  reason: string;
  placeholderNoteId?: number;
}

/** Marks the event's placeholder failed if it is still "working"; never throws. */
export async function finalizeJob(options: FinalizeOptions): Promise<FinalizeResult> {
  const env = options.env;
  const now = options.now ?? Date.now;
  const redact = createRedactor(secretValuesFromEnv(env));
  const rawLog = options.log ?? ((line: string) => process.stderr.write(`agent-bridge finalize: ${line}\n`));
  const log = (line: string) => rawLog(redact(line));
  const done = (result: FinalizeResult): FinalizeResult => {
    log(result.reason);
    return result;
  };

  try {
    let settings: JobGitLabSettings;
    try {
      settings = loadJobGitLabSettings(env);
    } catch (error) {
      return done({ action: "error", reason: `cannot reach GitLab: ${describeError(error)}` });
    }
    const gitlab = createNodeGitLabClient({
      baseUrl: settings.clientBaseUrl,
      token: settings.token,
      ...(options.gitlabFetch ? { fetch: options.gitlabFetch } : {}),
      now,
      // after_script has 5 minutes in all; one stubborn call must not use them up.
      deadlineMs: 20_000,
    });
    const readPayload = options.readFile ?? ((path: string) => readFile(path, "utf8"));

    const located = await locate(env, gitlab, settings, readPayload);
    if ("skip" in located) return done({ action: "nothing-to-do", reason: `nothing to do: ${located.skip}` });
    const { where, note } = located;
    const id = where.ref.noteId;

    const marker = readPlaceholder(note.body);
    if (!marker) {
      return done({
        action: "left-alone",
        reason: `note ${id} is not a placeholder; left alone`,
        placeholderNoteId: id,
      });
    }
    if (marker.status === "done" || marker.status === "failed") {
      return done({
        action: "left-alone",
        reason: `placeholder ${id} is already ${marker.status}; left alone`,
        placeholderNoteId: id,
      });
    }
    const otherJob = marker.job;
    if (otherJob !== undefined && otherJob !== settings.jobId) {
      return done({
        action: "left-alone",
        reason: `placeholder ${id} is being worked on by job ${otherJob}, not this one (${settings.jobId}); left alone`,
        placeholderNoteId: id,
      });
    }

    const why = jobEnding(settings, now());
    const placeholder = createPlaceholder({
      gitlab,
      ref: where.ref,
      head: {
        assistant: where.assistant,
        triggerNoteId: where.triggerNoteId,
        ...(where.triggerKey !== undefined ? { triggerKey: where.triggerKey } : {}),
        ...(where.askedBy !== undefined ? { askedBy: where.askedBy } : {}),
        jobUrl: settings.jobUrl,
        jobId: settings.jobId,
      },
      redact,
      now,
      ...(settings.jobStartedAt !== undefined ? { startedAt: settings.jobStartedAt } : {}),
      log,
    });
    const written = await placeholder.fail(
      why,
      `The job log has the details. Mention \`@${where.assistant}\` again in a new comment to retry.`,
    );
    return written
      ? done({
          action: "marked-failed",
          reason: `placeholder ${id} was still working: marked failed (${why})`,
          placeholderNoteId: id,
        })
      : done({
          action: "error",
          reason: `placeholder ${id} is still working and could not be updated`,
          placeholderNoteId: id,
        });
  } catch (error) {
    return done({ action: "error", reason: `finalize failed: ${describeError(error)}` });
  }
}

/** What the placeholder says about why the job ended, from CI_JOB_STATUS and the job's time. */
export function jobEnding(
  settings: Pick<JobGitLabSettings, "jobStatus" | "jobTimeoutSeconds" | "jobStartedAt">,
  nowMs: number,
): string {
  const elapsed = settings.jobStartedAt !== undefined ? nowMs - settings.jobStartedAt : undefined;
  const timeoutMs = settings.jobTimeoutSeconds !== undefined ? settings.jobTimeoutSeconds * 1000 : undefined;
  // GitLab reports a timeout as "failed"; the clock tells them apart (within a few seconds of slack).
  const timedOut = elapsed !== undefined && timeoutMs !== undefined && elapsed >= timeoutMs - 5_000;
  switch (settings.jobStatus) {
    case "canceled":
      return "the job was canceled before the run finished.";
    case "failed":
      return timedOut
        ? `the job timed out (after ${formatDuration(timeoutMs ?? 0)}) before the run finished.`
        : "the job failed before the run could write its result.";
    case "success":
      return "the job ended without the run writing its result.";
    default:
      return timedOut
        ? `the job timed out (after ${formatDuration(timeoutMs ?? 0)}) before the run finished.`
        : "the job ended before the run finished.";
  }
}

type Located = { where: PlaceholderLocation; note: Note } | { skip: string };

async function locate(
  env: Env,
  gitlab: GitLabRequester,
  settings: JobGitLabSettings,
  readPayload: (path: string) => Promise<string>,
): Promise<Located> {
  const assistant = loadJobAssistant(env);
  // TRIGGER_PAYLOAD runs post their own placeholder: it is the bot's one for this note that links this job.
  const viaTrigger =
    !present(env["AGENT_BRIDGE_EVENT"]) &&
    !present(env["AI_FLOW_CONTEXT"]) &&
    present(env["TRIGGER_PAYLOAD"]);
  if (viaTrigger) {
    if (assistant === undefined) return { skip: "TRIGGER_PAYLOAD without AGENT_ASSISTANT" };
    const hook = await readTriggerPayload(env["TRIGGER_PAYLOAD"] ?? "", readPayload);
    if ("skip" in hook) return { skip: hook.skip };
    const attributes = hook.hook.object_attributes;
    const noteableType = attributes.noteable_type;
    const iid = noteableType === "Issue" ? hook.hook.issue?.iid : hook.hook.merge_request?.iid;
    if ((noteableType !== "Issue" && noteableType !== "MergeRequest") || iid === undefined) {
      return { skip: "the payload is not a note on an issue or merge request" };
    }
    const trigger: NoteRef = {
      projectId: hook.hook.project.id,
      noteableType,
      noteableIid: iid,
      noteId: attributes.id,
    };
    const found = await findJobPlaceholder(gitlab, trigger, assistant, settings);
    if (!found) return { skip: "this job posted no placeholder for the note (the note summoned no one)" };
    return {
      where: {
        ref: { ...trigger, noteId: found.id },
        assistant,
        triggerNoteId: attributes.id,
        askedBy: hook.hook.user.username,
      },
      note: found,
    };
  }

  const input = await readEventInput({
    env,
    assistant,
    readFile: readPayload,
    acceptTrigger: () => Promise.resolve({ kind: "skip", source: "TRIGGER_PAYLOAD", reason: "not reached" }),
  });
  if (input.kind === "skip") return { skip: input.reason };
  const where = placeholderLocation(input.event);
  const note = await getNote(gitlab, where.ref);
  return { where, note };
}

/** The bot's placeholder for the note and assistant that this job works on (its marker names the job). */
async function findJobPlaceholder(
  gitlab: GitLabRequester,
  trigger: NoteRef,
  assistant: string,
  settings: JobGitLabSettings,
): Promise<Note | undefined> {
  const botId = (await getCurrentUser(gitlab)).id;
  const found = await findBotPlaceholders(gitlab, trigger, botId);
  return found.find((f) => f.marker.assistant === assistant && f.marker.job === settings.jobId)?.note;
}

function present(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}
