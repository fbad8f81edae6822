// The token check: whose token GITLAB_TOKEN is, whether it has the api scope, and how soon it expires; and
// what a refused GET /user means (a wrong token, no api scope, an unreachable or wrong GITLAB_URL).
import type { TokenSelf } from "../../../shared/gitlab/api/access-tokens.ts";
import type { User } from "../../../shared/gitlab/api/users.ts";
import { describeError, isGitLabApiError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { NEW_TOKEN_FIX } from "../snippets.ts";
import type { CheckResult, DoctorOptions } from "../types.ts";
import { httpStatus } from "../wording.ts";

export function tokenFailure(error: unknown, options: DoctorOptions): CheckResult {
  const base = { id: "token", title: "token", status: "fail" } as const;
  const status = httpStatus(error);
  if (status === 401) {
    return {
      ...base,
      finding: "GitLab refused GITLAB_TOKEN (401): it is wrong, expired or revoked",
      fix: NEW_TOKEN_FIX,
    };
  }
  if (status === 403) {
    return {
      ...base,
      finding: `GET /user answered 403 (${describeError(error)}): the token lacks the api scope, or its user is blocked`,
      fix: NEW_TOKEN_FIX,
    };
  }
  if (isGitLabApiError(error) && (error.kind === "network" || error.kind === "timeout")) {
    return {
      ...base,
      finding: `could not reach GitLab at ${options.gitlabUrl}: ${error.message}`,
      fix: [
        "Check GITLAB_URL (or --gitlab-url): the instance's base URL, e.g. https://gitlab.example.com, without /api/v4",
        "Check that this machine can reach it (proxy, VPN, firewall)",
      ],
    };
  }
  return {
    ...base,
    finding: `GET /user did not answer as GitLab does (${describeError(error)})`,
    fix: [
      `Check GITLAB_URL (or --gitlab-url): ${options.gitlabUrl} must be the GitLab instance's base URL, without /api/v4`,
    ],
  };
}

const EXPIRY_WARNING_DAYS = 14;

export function tokenCheck(user: User, token: TokenSelf | undefined, options: DoctorOptions): CheckResult {
  const who = `authenticated as @${user.username} (id ${user.id}${user.bot ? ", a bot user" : ""})`;
  const base = { id: "token", title: "token" } as const;
  if (!token) return { ...base, status: "ok", finding: who, fix: [] };
  const scopes = token.scopes.length > 0 ? token.scopes.join(", ") : "none";
  if (!token.scopes.includes("api")) {
    return {
      ...base,
      status: "fail",
      finding: `${who}, but the token's scopes are ${scopes}: the bridge needs api (notes, awards, pipelines)`,
      fix: [
        "A token's scopes cannot be changed: make a new one with scopes api and write_repository",
        ...NEW_TOKEN_FIX,
      ],
    };
  }
  const expires = token.expires_at ? Date.parse(token.expires_at) : Number.NaN;
  if (!Number.isNaN(expires)) {
    const days = Math.floor((expires - options.now()) / 86_400_000);
    if (days <= EXPIRY_WARNING_DAYS) {
      return {
        ...base,
        status: "warn",
        finding: `${who}, scopes ${scopes}; the token expires on ${token.expires_at} (in ${Math.max(days, 0)} days)`,
        fix: [
          "UI: Settings > Access tokens: rotate the token (or make a new one), before it expires",
          `API: curl --request POST --header "PRIVATE-TOKEN: <the bot's current token>" "${options.gitlabUrl}/api/v4/personal_access_tokens/self/rotate"`,
          "Then set the new token as GITLAB_TOKEN for the webhook receiver and in the CI/CD variables",
        ],
      };
    }
  }
  const until = token.expires_at ? `, expires ${token.expires_at}` : "";
  return { ...base, status: "ok", finding: `${who}, scopes ${scopes}${until}`, fix: [] };
}
