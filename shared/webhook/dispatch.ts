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
import {
  renderDispatchError,
  renderPlaceholder,
  type DispatchProblem,
} from "../placeholder/receiver-text.ts";
import type { NoteHook } from "../gitlab/webhook-schema.ts";
import type { Assistant } from "../mention/index.ts";
import { isConfidential } from "./confidential.ts";
import {
  BRIDGE_EVENT_INPUT,
  BRIDGE_EVENT_VARIABLE,
  encodeBridgeEvent,
  type BridgeEvent,
  type IssuableTrigger,
} from "./bridge-event.ts";

export type DispatchSettings = Pick<
  WebhookSettings,
  "dispatchMode" | "dispatchEventAs" | "triggerToken" | "triggerTokens" | "pipelineRef"
>;

/** The mention being answered, as the receiver established it (from GitLab's answers, not the payload's). */
export interface Mention {
  projectId: number;
  projectPath: string;
  defaultBranch: string | null;
  /** The note that asked; null for a change of the issue or merge request (DispatchRequest.issuable). */
  noteId: number | null;
  /** GitLab's note type: null, "DiscussionNote" or "DiffNote". */
  noteType: string | null;
  discussionId: string | null;
  /** The note is internal: its placeholder is too. */
  internal: boolean;
  /** An internal note or one on a confidential issue: the job keeps whatever it posts as private. */
  confidential: boolean;
  authorId: number;
  authorUsername: string;
}

export interface DispatchRequest {
  mention: Mention;
  noteableType: ThreadNoteableType;
  noteableIid: number;
  assistants: readonly Assistant[];
  /** Copied into the event for a job that cannot read the note; never for a confidential mention. */
  instruction?: string;
  /** For a change of the issue or merge request: its identity, and why each assistant runs. */
  issuable?: {
    key: string;
    triggers: Partial<Record<Assistant, { kind: IssuableTrigger["kind"]; label?: string }>>;
  };
  settings: DispatchSettings;
}

/** A mention as a Note Hook payload describes it: for the job's own trigger-payload path. */
export function mentionFromHook(hook: NoteHook): Mention {
  const note = hook.object_attributes;
  return {
    projectId: hook.project.id,
    projectPath: hook.project.path_with_namespace,
    defaultBranch: hook.project.default_branch ?? null,
    noteId: note.id,
    noteType: note.type ?? null,
    discussionId: note.discussion_id ?? null,
    internal: Boolean(note.internal || note.confidential),
    confidential: isConfidential(hook),
    authorId: hook.user.id,
    authorUsername: hook.user.username,
  };
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
  const { mention } = request;
  const where: NoteableRef = {
    projectId: mention.projectId,
    noteableType: request.noteableType,
    noteableIid: request.noteableIid,
  };
  const asker = {
    note: mention.noteId,
    askedBy: mention.authorUsername,
    ...(request.issuable ? { change: request.issuable.key } : {}),
  };
  // Known before anything is posted: then the placeholder is written as the error straight away.
  const upfront = upfrontProblem(request);

  const placeholders = await Promise.allSettled(
    request.assistants.map((assistant) =>
      postPlaceholder(
        gl,
        where,
        mention,
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
        const problem = problemOf(
          error,
          request.settings.dispatchEventAs,
          mention.projectId,
          request.settings.dispatchMode,
        );
        const body = renderDispatchError({ assistant, ...asker, problem });
        // Best effort: if even this fails the job never runs, and the log line is all that is left.
        await updateNote(cleanup(), { ...where, noteId: placeholderNoteId, body }).catch(() => undefined);
        return { assistant, placeholderNoteId, pipelineId: null, error: describeError(error) };
      }
    }),
  );
  return { runs, placeholderErrors };
}

export function eventFor(
  request: Pick<DispatchRequest, "mention" | "noteableType" | "noteableIid" | "instruction" | "issuable">,
  assistant: Assistant,
  placeholderNoteId: number,
): BridgeEvent {
  const { mention } = request;
  const event: BridgeEvent = {
    assistant,
    projectId: mention.projectId,
    projectPath: mention.projectPath,
    noteableType: request.noteableType,
    noteableIid: request.noteableIid,
    noteId: mention.noteId,
    discussionId: mention.discussionId,
    placeholderNoteId,
    authorId: mention.authorId,
    authorUsername: mention.authorUsername,
    confidential: mention.confidential,
  };
  const trigger = request.issuable?.triggers[assistant];
  if (request.issuable && trigger) {
    event.trigger = {
      kind: trigger.kind,
      key: request.issuable.key,
      ...(trigger.label !== undefined ? { label: trigger.label } : {}),
    };
  }
  if (!mention.confidential && request.instruction !== undefined) event.instruction = request.instruction;
  return event;
}

/** Posts a placeholder where the person wrote: in their thread, else a note as internal as theirs. */
export function postPlaceholder(
  gl: GitLabRequester,
  where: NoteableRef,
  mention: Pick<Mention, "noteType" | "discussionId" | "internal">,
  body: string,
): Promise<Note> {
  // Answer in the thread the mention was made in; a plain note gets a plain note.
  if ((mention.noteType === "DiscussionNote" || mention.noteType === "DiffNote") && mention.discussionId) {
    return replyToDiscussion(gl, { ...where, discussionId: mention.discussionId, body });
  }
  return createNote(gl, mention.internal ? { ...where, body, internal: true } : { ...where, body });
}

function pipelineRef(request: DispatchRequest): string | undefined {
  return request.settings.pipelineRef ?? request.mention.defaultBranch ?? undefined;
}

function triggerToken(request: DispatchRequest): string | undefined {
  const { settings, mention } = request;
  return (
    settings.triggerTokens[String(mention.projectId)] ??
    settings.triggerTokens[mention.projectPath.toLowerCase()] ??
    settings.triggerToken
  );
}

function upfrontProblem(request: DispatchRequest): DispatchProblem | undefined {
  if (pipelineRef(request) === undefined) return { kind: "no-ref" };
  if (request.settings.dispatchMode === "trigger" && triggerToken(request) === undefined) {
    return { kind: "no-trigger-token", projectPath: request.mention.projectPath };
  }
  return undefined;
}

async function startPipeline(gl: GitLabRequester, request: DispatchRequest, event: BridgeEvent) {
  const projectId = request.mention.projectId;
  const ref = pipelineRef(request) ?? "";
  const json = encodeBridgeEvent(event);
  const asInputs = request.settings.dispatchEventAs === "inputs";
  const variables: Record<string, string> = {
    [BRIDGE_EVENT_VARIABLE]: json,
    // The names GitLab's own agent platform gives its jobs, so a job written for it finds what it expects.
    AI_FLOW_CONTEXT: json,
    AI_FLOW_EVENT: event.trigger ? issuableFlowEvent(event.trigger.kind) : "mention",
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

/** AI_FLOW_EVENT for a change of the issue or merge request, in the words of GitLab's agent platform. */
function issuableFlowEvent(kind: IssuableTrigger["kind"]): string {
  return kind === "assignee" ? "assign" : kind === "reviewer" ? "assign_reviewer" : "mention";
}

const VARIABLES_FORBIDDEN = /insufficient permissions to set pipeline variables/i;

export function problemOf(
  error: unknown,
  eventAs: "variables" | "inputs",
  projectId: number,
  dispatchMode: "pipeline" | "trigger" = "pipeline",
): DispatchProblem {
  if (
    isGitLabApiError(error) &&
    error.kind === "http" &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429
  ) {
    if (VARIABLES_FORBIDDEN.test(error.message)) {
      return { kind: "pipeline-variables-forbidden", projectId, viaTrigger: dispatchMode === "trigger" };
    }
    return { kind: "pipeline-rejected", status: error.status, message: error.message, eventAs };
  }
  return { kind: "gitlab-unavailable", message: describeError(error) };
}
