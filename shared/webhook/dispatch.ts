// Starting the runs of a claimed mention: per assistant, a placeholder note where the mention was made, then
// a pipeline carrying the event. Placeholders for all assistants go out in parallel, then the pipelines in
// parallel, so a mention costs two sequential round trips here whatever the number of assistants.
// A run whose pipeline cannot be created gets its placeholder turned into a clear error: never left "working".
import type { WebhookSettings } from "../config/webhook-settings.ts";
import { replyToDiscussion } from "../gitlab/api/discussions.ts";
import { createNote, updateNote, type Note, type NoteableRef } from "../gitlab/api/notes.ts";
import { createPipeline, createPipelineWithTrigger } from "../gitlab/api/pipelines.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { describeError, isGitLabApiError } from "../gitlab/gitlab-api-error.ts";
import type { ThreadNoteableType } from "../gitlab/paths.ts";
import { renderDispatchError, renderPlaceholder, type DispatchProblem } from "../gitlab/placeholder-text.ts";
import type { NoteHook } from "../gitlab/webhook-schema.ts";
import type { Assistant } from "../mention/index.ts";
import {
  BRIDGE_EVENT_INPUT,
  BRIDGE_EVENT_VARIABLE,
  encodeBridgeEvent,
  type BridgeEvent,
} from "./bridge-event.ts";

export type DispatchSettings = Pick<
  WebhookSettings,
  "dispatchMode" | "dispatchEventAs" | "triggerToken" | "triggerTokens" | "pipelineRef"
>;

export interface DispatchRequest {
  hook: NoteHook;
  noteableType: ThreadNoteableType;
  noteableIid: number;
  assistants: readonly Assistant[];
  instruction: string;
  settings: DispatchSettings;
}

export interface RunOutcome {
  assistant: Assistant;
  /** null when not even the placeholder could be written. */
  placeholderNoteId: number | null;
  pipelineId: number | null;
  /** Why the run did not start; its placeholder, if any, says so in GitLab too. */
  error?: string;
}

export interface DispatchResult {
  runs: RunOutcome[];
  /** The errors of runs that got no placeholder, for the caller to judge (transient or not). */
  placeholderErrors: unknown[];
}

/**
 * @param gl the delivery's client (its deadline is the webhook's).
 * @param cleanup a client with a fresh budget for writing errors into placeholders after a failure, which
 *   may have used up the delivery's deadline.
 */
export async function dispatchRuns(
  gl: GitLabRequester,
  cleanup: () => GitLabRequester,
  request: DispatchRequest,
): Promise<DispatchResult> {
  const { hook } = request;
  const where: NoteableRef = {
    projectId: hook.project.id,
    noteableType: request.noteableType,
    noteableIid: request.noteableIid,
  };
  const asker = { note: hook.object_attributes.id, askedBy: hook.user.username };
  // Known before anything is posted: then the placeholder is written as the error straight away.
  const upfront = upfrontProblem(request);

  const placeholders = await Promise.allSettled(
    request.assistants.map((assistant) =>
      postPlaceholder(
        gl,
        where,
        hook,
        upfront
          ? renderDispatchError({ assistant, ...asker, problem: upfront })
          : renderPlaceholder({ assistant, ...asker }),
      ),
    ),
  );

  const placeholderErrors: unknown[] = [];
  const runs = await Promise.all(
    request.assistants.map(async (assistant, index): Promise<RunOutcome> => {
      const placed = placeholders[index];
      if (!placed || placed.status === "rejected") {
        placeholderErrors.push(placed?.reason);
        return { assistant, placeholderNoteId: null, pipelineId: null, error: describeError(placed?.reason) };
      }
      const placeholderNoteId = placed.value.id;
      if (upfront) return { assistant, placeholderNoteId, pipelineId: null, error: upfront.kind };
      try {
        const pipeline = await startPipeline(gl, request, eventFor(request, assistant, placeholderNoteId));
        return { assistant, placeholderNoteId, pipelineId: pipeline.id };
      } catch (error) {
        const problem = problemOf(error, request.settings.dispatchEventAs, hook.project.id);
        const body = renderDispatchError({ assistant, ...asker, problem });
        // Best effort: if even this fails the job never runs, and the log line is all that is left.
        await updateNote(cleanup(), { ...where, noteId: placeholderNoteId, body }).catch(() => undefined);
        return { assistant, placeholderNoteId, pipelineId: null, error: describeError(error) };
      }
    }),
  );
  return { runs, placeholderErrors };
}

/**
 * An internal note, or any note on a confidential issue (GitLab sends those as confidential_note). Such a
 * note's text must stay out of pipeline variables and inputs: anyone who can see the project's pipelines
 * can read them, which is more people than can read an internal note. The job reads the note itself.
 */
export function isConfidential(hook: NoteHook): boolean {
  const note = hook.object_attributes;
  return Boolean(
    note.internal || note.confidential || hook.event_type === "confidential_note" || hook.issue?.confidential,
  );
}

export function eventFor(
  request: Pick<DispatchRequest, "hook" | "noteableType" | "noteableIid" | "instruction">,
  assistant: Assistant,
  placeholderNoteId: number,
): BridgeEvent {
  const { hook } = request;
  const note = hook.object_attributes;
  const confidential = isConfidential(hook);
  const event: BridgeEvent = {
    assistant,
    projectId: hook.project.id,
    projectPath: hook.project.path_with_namespace,
    noteableType: request.noteableType,
    noteableIid: request.noteableIid,
    noteId: note.id,
    discussionId: note.discussion_id ?? null,
    placeholderNoteId,
    authorId: hook.user.id,
    authorUsername: hook.user.username,
    confidential,
  };
  if (!confidential) event.instruction = request.instruction;
  return event;
}

/** Posts a placeholder where the person wrote: in their thread, else a note as internal as theirs. */
export function postPlaceholder(
  gl: GitLabRequester,
  where: NoteableRef,
  hook: NoteHook,
  body: string,
): Promise<Note> {
  const note = hook.object_attributes;
  // Answer in the thread the mention was made in; a plain note gets a plain note.
  if ((note.type === "DiscussionNote" || note.type === "DiffNote") && note.discussion_id) {
    return replyToDiscussion(gl, { ...where, discussionId: note.discussion_id, body });
  }
  const internal = Boolean(note.internal || note.confidential);
  return createNote(gl, internal ? { ...where, body, internal } : { ...where, body });
}

function pipelineRef(request: DispatchRequest): string | undefined {
  return request.settings.pipelineRef ?? request.hook.project.default_branch ?? undefined;
}

function triggerToken(request: DispatchRequest): string | undefined {
  const { settings, hook } = request;
  return (
    settings.triggerTokens[String(hook.project.id)] ??
    settings.triggerTokens[hook.project.path_with_namespace.toLowerCase()] ??
    settings.triggerToken
  );
}

function upfrontProblem(request: DispatchRequest): DispatchProblem | undefined {
  if (pipelineRef(request) === undefined) return { kind: "no-ref" };
  if (request.settings.dispatchMode === "trigger" && triggerToken(request) === undefined) {
    return { kind: "no-trigger-token", projectPath: request.hook.project.path_with_namespace };
  }
  return undefined;
}

async function startPipeline(gl: GitLabRequester, request: DispatchRequest, event: BridgeEvent) {
  const projectId = request.hook.project.id;
  const ref = pipelineRef(request) ?? "";
  const json = encodeBridgeEvent(event);
  const asInputs = request.settings.dispatchEventAs === "inputs";
  const variables: Record<string, string> = {
    [BRIDGE_EVENT_VARIABLE]: json,
    // The names GitLab's own agent platform gives its jobs, so a job written for it finds what it expects.
    AI_FLOW_CONTEXT: json,
    AI_FLOW_EVENT: "mention",
  };
  if (event.instruction !== undefined) variables["AI_FLOW_INPUT"] = event.instruction;
  const inputs = { [BRIDGE_EVENT_INPUT]: json };

  if (request.settings.dispatchMode === "trigger") {
    const token = triggerToken(request) ?? "";
    return createPipelineWithTrigger(
      gl,
      asInputs ? { projectId, token, ref, inputs } : { projectId, token, ref, variables },
    );
  }
  return createPipeline(
    gl,
    asInputs
      ? { projectId, ref, inputs }
      : { projectId, ref, variables: Object.entries(variables).map(([key, value]) => ({ key, value })) },
  );
}

const VARIABLES_FORBIDDEN = /insufficient permissions to set pipeline variables/i;

export function problemOf(
  error: unknown,
  eventAs: "variables" | "inputs",
  projectId: number,
): DispatchProblem {
  if (
    isGitLabApiError(error) &&
    error.kind === "http" &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429
  ) {
    if (VARIABLES_FORBIDDEN.test(error.message)) return { kind: "pipeline-variables-forbidden", projectId };
    return { kind: "pipeline-rejected", status: error.status, message: error.message, eventAs };
  }
  return { kind: "gitlab-unavailable", message: describeError(error) };
}
