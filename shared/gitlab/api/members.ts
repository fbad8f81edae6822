// A project's members: the effective access level of a user, inherited group membership included.
// https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { isGitLabApiError } from "../gitlab-api-error.ts";
import { call, route } from "./route.ts";

/** GET /projects/:id/members/all/:user_id */
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

const MEMBER = route(
  "GET",
  "/projects/:id/members/all/:user_id",
  "members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members",
);

/**
 * The user's effective access level in the project, inherited group membership included; null when the
 * user is not a member (GitLab answers 404) or the membership grants nothing yet (awaiting approval,
 * blocked account).
 */
export async function getMemberAccessLevel(
  gl: GitLabRequester,
  projectId: number | string,
  userId: number,
): Promise<number | null> {
  try {
    const member = await call(gl, MEMBER, { id: projectId, user_id: userId }, { schema: MemberSchema });
    if (member.membership_state === "awaiting" || member.state === "blocked") return null;
    return member.access_level;
  } catch (error) {
    if (isGitLabApiError(error) && error.status === 404) return null;
    throw error;
  }
}
