// Users: the token's own user (the bot) and a note's author (is it a bot?).
// https://docs.gitlab.com/api/users/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route } from "./route.ts";

/** GET /user, GET /users/:id */
export const UserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string().nullish(),
  state: z.string().nullish(),
  bot: z.boolean().nullish(),
  // GET /user only, and only for an administrator's token.
  is_admin: z.boolean().nullish(),
  // GET /user only: the address the user commits with (a verified one), for the bot's own commits.
  commit_email: z.string().nullish(),
});
export type User = z.infer<typeof UserSchema>;

const CURRENT_USER = route("GET", "/user", "users/#get-the-current-user");
const USER = route("GET", "/users/:user_id", "users/#get-a-single-user");

export function getCurrentUser(gl: GitLabRequester): Promise<User> {
  return call(gl, CURRENT_USER, {}, { schema: UserSchema });
}

/** GET /users/:id: a user's username and whether it is a bot (access token user, service account). */
export function getUser(gl: GitLabRequester, userId: number): Promise<User> {
  return call(gl, USER, { user_id: userId }, { schema: UserSchema });
}
