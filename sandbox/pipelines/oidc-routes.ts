// GitLab's OpenID Connect discovery outside /api/v4: what AWS, GCP or any verifier fetches to check a job's
// `id_tokens:` JWT. Only these two GET paths; anything else is left to the caller.
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "../http/api-dispatch.ts";
import type { SandboxServices } from "../services.ts";
import { openIdConfiguration } from "./id-tokens.ts";

export const OIDC_CONFIGURATION_PATH = "/.well-known/openid-configuration";
export const OIDC_KEYS_PATH = "/oauth/discovery/keys";

/** Answers the discovery request and returns true, or returns false when the path is not one of them. */
export async function serveOidcDiscovery(
  sb: SandboxServices,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const method = (req.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") return false;
  let body: unknown;
  if (url.pathname === OIDC_CONFIGURATION_PATH) body = openIdConfiguration(sb.baseUrl);
  else if (url.pathname === OIDC_KEYS_PATH) body = await sb.pipelines.idTokens.jwks();
  else return false;
  req.resume();
  send(res, { status: 200, body }, method === "HEAD");
  return true;
}
