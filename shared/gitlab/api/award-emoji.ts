// Emoji reactions on a note: the 👀 claim that dedupes deliveries, read back and given back; and on an issue
// or merge request: the lock under which a change of it is dispatched (shared/webhook/issuable-claim.ts).
// https://docs.gitlab.com/api/emoji_reactions/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { noteableParams, noteParams, type NoteableRef, type NoteRef } from "./notes.ts";
import { call, route } from "./route.ts";

/** GET|POST .../notes/:note_id/award_emoji */
export const AwardEmojiSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  user: z.object({ id: z.number().int(), username: z.string() }),
  created_at: z.string(),
  updated_at: z.string().nullish(),
  awardable_id: z.number().int().nullish(),
  awardable_type: z.string().nullish(),
});
export type AwardEmoji = z.infer<typeof AwardEmojiSchema>;

const AWARDS = "/projects/:id/:noteable/:noteable_iid/notes/:note_id/award_emoji";
const AWARD = route("POST", AWARDS, "emoji_reactions/#add-a-new-emoji-reaction-to-a-comment");
const LIST_AWARDS = route("GET", AWARDS, "emoji_reactions/#list-a-comments-emoji-reactions");
const DELETE_AWARD = route(
  "DELETE",
  `${AWARDS}/:award_id`,
  "emoji_reactions/#delete-an-emoji-reaction-from-a-comment",
);

const ISSUABLE_AWARDS = "/projects/:id/:noteable/:noteable_iid/award_emoji";
const AWARD_ISSUABLE = route("POST", ISSUABLE_AWARDS, "emoji_reactions/#add-a-new-emoji-reaction");
const LIST_ISSUABLE_AWARDS = route(
  "GET",
  ISSUABLE_AWARDS,
  "emoji_reactions/#list-an-awardables-emoji-reactions",
);
const DELETE_ISSUABLE_AWARD = route(
  "DELETE",
  `${ISSUABLE_AWARDS}/:award_id`,
  "emoji_reactions/#delete-an-emoji-reaction",
);

/** Awards an emoji as the token's user. A second award of the same name answers 404 "has already been taken". */
export function awardEmojiOnNote(gl: GitLabRequester, ref: NoteRef & { name: string }): Promise<AwardEmoji> {
  return call(gl, AWARD, noteParams(ref), { json: { name: ref.name }, schema: AwardEmojiSchema });
}

export function listNoteAwardEmoji(gl: GitLabRequester, ref: NoteRef): Promise<AwardEmoji[]> {
  return call(gl, LIST_AWARDS, noteParams(ref), {
    query: { per_page: 100 },
    schema: z.array(AwardEmojiSchema),
  });
}

export async function deleteAwardEmoji(
  gl: GitLabRequester,
  ref: NoteRef & { awardId: number },
): Promise<void> {
  await call(gl, DELETE_AWARD, { ...noteParams(ref), award_id: ref.awardId });
}

/** Awards an emoji to the issue or merge request itself; a second award of the name answers 404 "has already been taken". */
export function awardEmojiOnNoteable(
  gl: GitLabRequester,
  ref: NoteableRef & { name: string },
): Promise<AwardEmoji> {
  return call(gl, AWARD_ISSUABLE, noteableParams(ref), {
    json: { name: ref.name },
    schema: AwardEmojiSchema,
  });
}

export function listNoteableAwardEmoji(gl: GitLabRequester, ref: NoteableRef): Promise<AwardEmoji[]> {
  return call(gl, LIST_ISSUABLE_AWARDS, noteableParams(ref), {
    query: { per_page: 100 },
    schema: z.array(AwardEmojiSchema),
  });
}

export async function deleteNoteableAwardEmoji(
  gl: GitLabRequester,
  ref: NoteableRef & { awardId: number },
): Promise<void> {
  await call(gl, DELETE_ISSUABLE_AWARD, { ...noteableParams(ref), award_id: ref.awardId });
}
