// Who is calling: a personal/project access token by `PRIVATE-TOKEN`, `Authorization: Bearer` or the
// `private_token` query parameter; a CI job token by `JOB-TOKEN` or `job_token`. Expired or revoked
// tokens are 401, as in GitLab. Scope checks follow GitLab: `read_api` may only read.
import type { IncomingMessage } from "node:http";
import { ApiError, unauthorized } from "./api-error.ts";
import type { AccessToken, User } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";

export interface Caller {
  user: User;
  token: AccessToken;
}

export function presentedToken(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const bearer = /^Bearer\s+(.+)$/i.exec(header("authorization") ?? "")?.[1];
  return (
    header("private-token") ??
    bearer ??
    header("job-token") ??
    query.get("private_token") ??
    query.get("job_token") ??
    undefined
  );
}

/** The caller behind a token, or throws 401 for a token that is unknown, expired or revoked. */
export function authenticate(state: SandboxState, token: string | undefined): Caller | null {
  if (token === undefined || token === "") return null;
  const record = state.tokens.get(token);
  if (!record || record.revoked) throw unauthorized();
  if (record.expires_at !== null && Date.parse(record.expires_at) < Date.now()) throw unauthorized();
  const user = state.users.get(record.userId);
  if (!user) throw unauthorized();
  return { user, token: record };
}

/** GitLab's answer when a token's scopes do not cover the request. */
export function requireScope(token: AccessToken, method: string): void {
  if (token.jobId !== undefined) return; // job tokens are limited by route, see api-dispatch
  const write = method !== "GET" && method !== "HEAD";
  const ok = token.scopes.includes("api") || (!write && token.scopes.includes("read_api"));
  if (!ok) {
    throw new ApiError(403, {
      error: "insufficient_scope",
      error_description: "The request requires higher privileges than provided by the access token.",
      scope: write ? "api" : "api read_api",
    });
  }
}
