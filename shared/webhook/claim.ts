// The dedupe, without a database: the bridge awards 👀 to the triggering note. GitLab allows one award of a
// name per user, so of two deliveries of the same note (retries, resends, two receivers) exactly one gets
// it; the other is answered 404 "has already been taken".
// A crash between the claim and the placeholder must not lose the request: when the claim is taken, its age
// is past the grace period and the bridge left no placeholder for this note, the delivery goes on.
import { awardEmojiOnNote, listNoteAwardEmoji, type AwardEmoji } from "../gitlab/api/award-emoji.ts";
import type { NoteRef } from "../gitlab/api/notes.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { isGitLabApiError } from "../gitlab/gitlab-api-error.ts";
import { findBotPlaceholders } from "../placeholder/find.ts";
import type { Assistant } from "../mention/index.ts";

export const CLAIM_EMOJI = "eyes";

/**
 * Left by the bridge on a note whose author may not summon it (a Guest, a denied user, a bot): GitLab's state
 * remembers the refusal, so the sweep does not take the note up again on every run; the 👀 is given back.
 */
export const REFUSED_EMOJI = "no_entry_sign";

export type ClaimResult =
  /** This delivery placed the award. */
  | { status: "claimed"; awardId: number }
  /** An older delivery claimed the note and died before its placeholders: dispatch what is missing. */
  | { status: "recovered"; awardId: number; missing: Assistant[] }
  | { status: "duplicate"; reason: string };

export interface ClaimOptions {
  note: NoteRef;
  assistants: readonly Assistant[];
  /** The bridge's user id, or how to get it: it is only needed when the claim is already taken. */
  bridgeUserId: number | (() => Promise<number>);
  graceSeconds: number;
  /** Epoch milliseconds. */
  now: () => number;
}

export async function claimNote(gl: GitLabRequester, options: ClaimOptions): Promise<ClaimResult> {
  try {
    const award = await awardEmojiOnNote(gl, { ...options.note, name: CLAIM_EMOJI });
    return { status: "claimed", awardId: award.id };
  } catch (error) {
    if (!isAlreadyTaken(error)) throw error;
  }

  const bridgeUserId =
    typeof options.bridgeUserId === "number" ? options.bridgeUserId : await options.bridgeUserId();
  const awards = await listNoteAwardEmoji(gl, options.note);
  const ours = awards.find((a) => a.name === CLAIM_EMOJI && a.user.id === bridgeUserId);
  if (!ours) return { status: "duplicate", reason: "claimed by another delivery (award no longer listed)" };
  const ageMs = awardAgeMs(ours, options.now());
  if (ageMs === undefined || ageMs < options.graceSeconds * 1000) {
    return { status: "duplicate", reason: "claimed by another delivery" };
  }

  const placed = new Set(
    (await findBotPlaceholders(gl, options.note, bridgeUserId)).map((found) => found.marker.assistant),
  );
  const missing = options.assistants.filter((a) => !placed.has(a));
  if (missing.length === 0) return { status: "duplicate", reason: "already dispatched" };
  return { status: "recovered", awardId: ours.id, missing };
}

/** GitLab's answer to a second award of the same name by the same user (404, "Name has already been taken"). */
export function isAlreadyTaken(error: unknown): boolean {
  return (
    isGitLabApiError(error) &&
    error.kind === "http" &&
    [400, 404, 409, 422].includes(error.status) &&
    /already been taken|already awarded/i.test(error.message)
  );
}

function awardAgeMs(award: AwardEmoji, nowMs: number): number | undefined {
  const created = Date.parse(award.created_at);
  return Number.isNaN(created) ? undefined : nowMs - created;
}
