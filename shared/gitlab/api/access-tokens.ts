// The token the bridge runs with: its scopes and expiry, as the doctor checks them. The endpoint answers for
// personal, project and group access tokens alike.
// https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route } from "./route.ts";

export const TokenSelfSchema = z.object({
  scopes: z.array(z.string()),
  expires_at: z.string().nullish(),
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
