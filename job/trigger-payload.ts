// The job as its own webhook receiver: when a project's webhook points straight at the pipeline trigger URL,
// GitLab starts a pipeline for every comment and hands the job the raw Note Hook (TRIGGER_PAYLOAD). The job
// then does what `serve` would have: the mention and policy rules, the author's access, the 👀 claim and the
// placeholder, and ends quietly when the comment summons no one (the common case: one log line, exit 0).
// Each assistant's job handles only its own assistant, so a note naming both starts both, once each.
//
// Dedupe: both assistants' jobs of one note share the one 👀 award (one bot user), so the award cannot tell
// a sibling from a duplicate here. The placeholder does: after posting its own, a job looks for the bot's
// placeholders for the same note and assistant, and the oldest one wins; a later one deletes itself. Note ids
// grow, and each job lists after it posted, so of two racing jobs the later one always sees the earlier.
import { awardEmojiOnNote } from "../shared/gitlab/api/award-emoji.ts";
import { getMemberAccessLevel } from "../shared/gitlab/api/members.ts";
import { deleteNote, type NoteRef } from "../shared/gitlab/api/notes.ts";
import { getCurrentUser, getUser } from "../shared/gitlab/api/users.ts";
import type { GitLabRequester } from "../shared/gitlab/client.ts";
import { describeError } from "../shared/gitlab/gitlab-api-error.ts";
import type { NoteHook } from "../shared/gitlab/webhook-schema.ts";
import { ASSISTANTS, type Assistant } from "../shared/mention/index.ts";
import type { TriggerPolicySettings } from "./settings/types.ts";
import { CLAIM_EMOJI, isAlreadyTaken } from "../shared/webhook/claim.ts";
import { eventFor, mentionFromHook, postPlaceholder } from "../shared/webhook/dispatch.ts";
import { authorRefusal, decide, isByBridgeUser } from "../shared/webhook/policy.ts";
import type { Redact } from "./contracts.ts";
import type { EventInput } from "./event-input.ts";
import { findBotPlaceholders } from "../shared/placeholder/find.ts";
import { renderWorking } from "../shared/placeholder/job-text.ts";

export interface AcceptTriggerOptions {
  hook: NoteHook;
  assistant: Assistant;
  gitlab: GitLabRequester;
  policy: TriggerPolicySettings;
  jobUrl: string;
  /** The job's id, named in the placeholder's marker. */
  jobId?: number;
  redact: Redact;
  log: (line: string) => void;
}

export async function acceptTriggerPayload(options: AcceptTriggerOptions): Promise<EventInput> {
  const { hook, assistant, gitlab, policy, log } = options;
  const skip = (reason: string): EventInput => ({ kind: "skip", source: "TRIGGER_PAYLOAD", reason });

  const decision = decide(
    hook,
    {
      handleEdits: policy.handleEdits,
      allowedProjects: policy.allowedProjects,
      allowedGroups: policy.allowedGroups,
      aliases: policy.aliases,
      enabledAssistants: ASSISTANTS,
    },
    policy.bridgeUserId,
  );
  if (decision.action === "ignore") return skip(decision.reason);
  if (!decision.assistants.includes(assistant)) return skip(`the note does not mention ${assistant}`);

  const bridgeUserId = policy.bridgeUserId ?? (await getCurrentUser(gitlab)).id;
  if (isByBridgeUser(hook, bridgeUserId)) return skip("note by the bridge's user");
  const [access, author] = await Promise.all([
    getMemberAccessLevel(gitlab, hook.project.id, hook.user.id),
    getUser(gitlab, hook.user.id),
  ]);
  const refusal = authorRefusal({ username: author.username, bot: author.bot === true }, access, policy);
  if (refusal === "insufficient access") {
    return skip(
      `the author's access (${access ?? "none"}) is below MIN_ACCESS_LEVEL (${policy.minAccessLevel})`,
    );
  }
  if (refusal !== null) return skip(refusal);

  const where = {
    projectId: hook.project.id,
    noteableType: decision.noteableType,
    noteableIid: decision.noteableIid,
  };
  const note = hook.object_attributes;
  try {
    await awardEmojiOnNote(gitlab, { ...where, noteId: note.id, name: CLAIM_EMOJI });
  } catch (error) {
    // Taken: by this note's other assistant, or by a duplicate; the placeholder settles which below.
    if (!isAlreadyTaken(error))
      log(`trigger payload: could not award ${CLAIM_EMOJI} (${describeError(error)}); going on`);
  }

  const body = options.redact(
    renderWorking({
      assistant,
      triggerNoteId: note.id,
      askedBy: hook.user.username,
      jobUrl: options.jobUrl,
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
    }),
  );
  const placeholder = await postPlaceholder(gitlab, where, mentionFromHook(hook), body);

  const earlier = await earlierPlaceholder(
    gitlab,
    { ...where, noteId: note.id },
    assistant,
    bridgeUserId,
    placeholder.id,
  ).catch((error: unknown) => {
    log(`trigger payload: could not check for another job's placeholder (${describeError(error)}); going on`);
    return undefined;
  });
  if (earlier !== undefined) {
    await deleteNote(gitlab, { ...where, noteId: placeholder.id }).catch((error: unknown) =>
      log(`trigger payload: could not delete the duplicate placeholder (${describeError(error)})`),
    );
    return skip(`another job already answers this mention (placeholder note ${earlier})`);
  }

  return {
    kind: "event",
    source: "TRIGGER_PAYLOAD",
    event: eventFor(
      { mention: mentionFromHook(hook), ...where, instruction: decision.instruction },
      assistant,
      placeholder.id,
    ),
  };
}

/**
 * The id of a placeholder by the bot for the same note and assistant that is older than `mine`, if any: the
 * oldest one wins.
 */
async function earlierPlaceholder(
  gitlab: GitLabRequester,
  trigger: NoteRef,
  assistant: Assistant,
  bridgeUserId: number,
  mine: number,
): Promise<number | undefined> {
  const older = (await findBotPlaceholders(gitlab, trigger, bridgeUserId))
    .filter((found) => found.marker.assistant === assistant && found.note.id < mine)
    .map((found) => found.note.id);
  return older.length > 0 ? Math.min(...older) : undefined;
}
