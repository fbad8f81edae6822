// The GitLab CI ID token the job asked for under `id_tokens:` (default variable AGENT_BRIDGE_ID_TOKEN),
// read from an environment record that is passed in. The claims are decoded only to explain a refused
// exchange (iss, aud, sub are not secret); the signature is the cloud's to verify, not ours. The token
// itself is a credential: it is never logged or put into an error message.
// https://docs.gitlab.com/ci/secrets/id_token_authentication/
import { z } from "zod";
import type { SettingsProblem } from "../../shared/config/settings-error.ts";

export const DEFAULT_ID_TOKEN_VARIABLE = "AGENT_BRIDGE_ID_TOKEN";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const ClaimsSchema = z.looseObject({
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  sub: z.string().optional(),
  exp: z.number().optional(),
});

export interface IdTokenClaims {
  iss: string | undefined;
  aud: string | undefined;
  sub: string | undefined;
  /** Epoch seconds. */
  exp: number | undefined;
}

/**
 * The token from `env[variable]`, or a problem saying what is missing. `expected` never holds the value.
 */
export function readIdToken(
  env: Readonly<Record<string, string | undefined>>,
  variable: string = DEFAULT_ID_TOKEN_VARIABLE,
): { token: string } | { problem: SettingsProblem } {
  if (!VARIABLE_NAME.test(variable)) {
    return {
      problem: {
        variable,
        expected: "a CI/CD variable name (letters, digits and _), as named under id_tokens:",
      },
    };
  }
  const token = env[variable]?.trim();
  if (!token) {
    return {
      problem: {
        variable,
        expected: `required: the job's GitLab ID token; add "id_tokens: { ${variable}: { aud: <audience> } }" to the job`,
      },
    };
  }
  if (!JWT.test(token)) {
    return {
      problem: { variable, expected: "a GitLab ID token (a JWT: three base64url parts separated by dots)" },
    };
  }
  return { token };
}

/** The claims that explain a trust decision; undefined fields where the token does not say. */
export function describeIdToken(token: string): IdTokenClaims {
  const payload = token.split(".")[1] ?? "";
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    json = {};
  }
  const parsed = ClaimsSchema.safeParse(json);
  const claims = parsed.success ? parsed.data : {};
  const aud = Array.isArray(claims.aud) ? claims.aud.join(", ") : claims.aud;
  return { iss: claims.iss, aud, sub: claims.sub, exp: claims.exp };
}
