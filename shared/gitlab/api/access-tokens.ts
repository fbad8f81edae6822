// Access tokens: the token the bridge runs with (its scopes and expiry, as the doctor and setup check them;
// the endpoint answers for personal, project and group access tokens alike), and the project access token
// setup makes as the bot. https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token
// https://docs.gitlab.com/api/project_access_tokens/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route } from "./route.ts";

export const TokenSelfSchema = z.object({
  scopes: z.array(z.string()),
  expires_at: z.string().nullish(),
  active: z.boolean().nullish(),
});
export type TokenSelf = z.infer<typeof TokenSelfSchema>;

const TOKEN_SELF = route(
  "GET",
  "/personal_access_tokens/self",
  "personal_access_tokens/#get-details-on-a-personal-access-token",
);

export function getTokenSelf(gl: GitLabRequester): Promise<TokenSelf> {
  return call(gl, TOKEN_SELF, {}, { schema: TokenSelfSchema });
}

export const ProjectAccessTokenSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  user_id: z.number().int(),
  scopes: z.array(z.string()),
  access_level: z.number().int().nullish(),
  expires_at: z.string().nullish(),
  active: z.boolean().nullish(),
  revoked: z.boolean().nullish(),
  /** Only in the answer to the creation. */
  token: z.string().nullish(),
});
export type ProjectAccessToken = z.infer<typeof ProjectAccessTokenSchema>;

const CREATE_PROJECT_TOKEN = route(
  "POST",
  "/projects/:id/access_tokens",
  "project_access_tokens/#create-a-project-access-token",
);
const REVOKE_PROJECT_TOKEN = route(
  "DELETE",
  "/projects/:id/access_tokens/:token_id",
  "project_access_tokens/#revoke-a-project-access-token",
);

export function createProjectAccessToken(
  gl: GitLabRequester,
  projectId: number,
  token: { name: string; scopes: readonly string[]; accessLevel: number; expiresAt: string },
): Promise<ProjectAccessToken> {
  return call(
    gl,
    CREATE_PROJECT_TOKEN,
    { id: projectId },
    {
      json: {
        name: token.name,
        scopes: token.scopes,
        access_level: token.accessLevel,
        expires_at: token.expiresAt,
      },
      schema: ProjectAccessTokenSchema,
    },
  );
}

export function revokeProjectAccessToken(
  gl: GitLabRequester,
  projectId: number,
  tokenId: number,
): Promise<unknown> {
  return call(gl, REVOKE_PROJECT_TOKEN, { id: projectId, token_id: tokenId });
}
