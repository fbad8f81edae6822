// The claim of a change of an issue or merge request, without a database. A note's claim is a 👀 on the note
// (claim.ts): one award per note, taken once. An issue changes many times, and each change that summons
// must run once: so the claim is two things.
// - A lock: the bridge's 👀 on the issue or merge request itself. GitLab allows one award of a name per user
//   on an awardable, so of two tasks for the same record exactly one holds it; the other is asked to come back
//   later (RetryLater: the queue's back-off). It is held only while the task looks for an earlier placeholder
//   and posts its own, then given back, so the record's next change can be claimed. A lock older than
//   CLAIM_GRACE_SECONDS belongs to a task that died: it is taken over (deleted and awarded again, which is
//   itself atomic).
// - The change's identity in the placeholder's marker ({"trigger": "issue:5:update:…"}): under the lock, a
//   task first looks for a placeholder of its trigger key, so a redelivered change finds the run it started
//   and stops, while another change (another key) runs again.
import {
  awardEmojiOnNoteable,
  deleteNoteableAwardEmoji,
  listNoteableAwardEmoji,
  type AwardEmoji,
} from "../gitlab/api/award-emoji.ts";
import type { NoteableRef } from "../gitlab/api/notes.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { isNotFound } from "../gitlab/gitlab-api-error.ts";
import { CLAIM_EMOJI, isAlreadyTaken } from "./claim.ts";

export type IssuableLock =
  /** This task holds the lock; give it back with releaseIssuable. */
  | { status: "locked"; awardId: number; tookOver: boolean }
  /** Another task holds it (a redelivery of this change, or another change being dispatched). */
  | { status: "busy"; reason: string };

export interface IssuableLockOptions {
  noteable: NoteableRef;
  bridgeUserId: number;
  graceSeconds: number;
  /** Epoch milliseconds. */
  now: () => number;
}

export async function lockIssuable(gl: GitLabRequester, options: IssuableLockOptions): Promise<IssuableLock> {
  const award = () => awardEmojiOnNoteable(gl, { ...options.noteable, name: CLAIM_EMOJI });
  const taken = await attempt(award);
  if (taken) return { status: "locked", awardId: taken.id, tookOver: false };

  const awards = await listNoteableAwardEmoji(gl, options.noteable);
  const held = awards.find((a) => a.name === CLAIM_EMOJI && a.user.id === options.bridgeUserId);
  if (held && !isStale(held, options)) {
    return { status: "busy", reason: "another task holds this record's claim" };
  }
  // Given back meanwhile, or left by a task that died: one more try, which only one task can win.
  if (held) {
    await deleteNoteableAwardEmoji(gl, { ...options.noteable, awardId: held.id }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
  const again = await attempt(award);
  if (again) return { status: "locked", awardId: again.id, tookOver: held !== undefined };
  return { status: "busy", reason: "another task took this record's claim first" };
}

/** Gives the lock back; best effort (a lock left behind is taken over after the grace period). */
export async function releaseIssuable(
  gl: GitLabRequester,
  noteable: NoteableRef,
  awardId: number,
): Promise<void> {
  await deleteNoteableAwardEmoji(gl, { ...noteable, awardId }).catch(() => undefined);
}

async function attempt(award: () => Promise<AwardEmoji>): Promise<AwardEmoji | undefined> {
  try {
    return await award();
  } catch (error) {
    if (isAlreadyTaken(error)) return undefined;
    throw error;
  }
}

function isStale(award: AwardEmoji, options: IssuableLockOptions): boolean {
  const created = Date.parse(award.created_at);
  return !Number.isNaN(created) && options.now() - created >= options.graceSeconds * 1000;
}
