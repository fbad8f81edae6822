// Zod schemas of the GitLab REST v4 answers the bridge relies on: only the fields it reads, unknown ones
// dropped, so a newer GitLab that adds fields never breaks a parse.
// https://docs.gitlab.com/api/rest/
import { z } from "zod";

/** GET /user */
export const UserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string().nullish(),
  state: z.string().nullish(),
  bot: z.boolean().nullish(),
});
export type User = z.infer<typeof UserSchema>;

/** GET /projects/:id/members/all/:user_id: the effective access level, groups included. */
export const MemberSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  access_level: z.number().int(),
  // The user's account state (active, blocked, ...).
  state: z.string().nullish(),
  // "awaiting" while a membership waits for an admin's approval; it grants nothing until then.
  membership_state: z.string().nullish(),
  expires_at: z.string().nullish(),
});
export type Member = z.infer<typeof MemberSchema>;

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

/** A note as the notes and discussions endpoints answer it. */
export const NoteSchema = z.object({
  id: z.number().int(),
  body: z.string(),
  author: z.object({ id: z.number().int(), username: z.string() }),
  created_at: z.string(),
  updated_at: z.string().nullish(),
  system: z.boolean().nullish(),
  internal: z.boolean().nullish(),
  confidential: z.boolean().nullish(),
  type: z.string().nullish(),
  noteable_id: z.number().int().nullish(),
  noteable_iid: z.number().int().nullish(),
  noteable_type: z.string().nullish(),
});
export type Note = z.infer<typeof NoteSchema>;

/** POST /projects/:id/pipeline and POST /projects/:id/trigger/pipeline */
export const PipelineSchema = z.object({
  id: z.number().int(),
  iid: z.number().int().nullish(),
  project_id: z.number().int().nullish(),
  status: z.string(),
  ref: z.string().nullish(),
  sha: z.string().nullish(),
  source: z.string().nullish(),
  web_url: z.string().nullish(),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

/**
 * An error body. GitLab answers `{"message": "404 Not Found"}`, `{"message": {"base": ["..."], "name": ["..."]}}`,
 * `{"message": ["..."]}` or `{"error": "...", "error_description": "..."}` depending on the endpoint.
 */
export const ErrorBodySchema = z.object({
  message: z
    .union([
      z.string(),
      z.array(z.string()),
      z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    ])
    .optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** One readable line out of any of GitLab's error body shapes; undefined when there is none. */
export function errorBodyMessage(body: unknown): string | undefined {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { message, error, error_description } = parsed.data;
  if (typeof message === "string") return message;
  if (Array.isArray(message)) return message.join("; ");
  if (message) {
    // "base" holds messages about the whole record; other keys name the field they are about.
    const parts = Object.entries(message).flatMap(([field, value]) =>
      (Array.isArray(value) ? value : [value]).map((text) => (field === "base" ? text : `${field} ${text}`)),
    );
    if (parts.length > 0) return parts.join("; ");
  }
  if (error && error_description) return `${error}: ${error_description}`;
  return error ?? error_description;
}
