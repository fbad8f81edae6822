// Emoji reactions on a note: the 👀 claim that dedupes deliveries, read back and given back.
// https://docs.gitlab.com/api/emoji_reactions/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { noteParams, type NoteRef } from "./notes.ts";
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
