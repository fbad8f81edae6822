// The small helpers every check words its findings with: role names, a list in prose, a check's overall
// status, the HTTP status of a failed read, the bot's level, a hook URL fit to print.
import { ACCESS_LEVELS } from "../../shared/gitlab/access-levels.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import type { CheckStatus, Context } from "./types.ts";

export const DEVELOPER = ACCESS_LEVELS.developer;

export function roleName(level: number): string {
  const exact = Object.entries(ACCESS_LEVELS).find(([, value]) => value === level);
  return exact ? `${exact[0][0]?.toUpperCase()}${exact[0].slice(1)} (${level})` : `access level ${level}`;
}

export function statusOf(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.includes("fail")) return "fail";
  if (statuses.includes("warn")) return "warn";
  return "ok";
}

export function httpStatus(error: unknown): number | undefined {
  return isGitLabApiError(error) && error.kind === "http" ? error.status : undefined;
}

export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The bot's effective level, or undefined when it could not be read. An admin can do what an Owner can. */
export function botLevel(ctx: Context): number | undefined {
  if (!ctx.access.ok) return ctx.user.is_admin ? 50 : undefined;
  return ctx.access.value ?? (ctx.user.is_admin ? 50 : 0);
}

/** "@bot is Developer (30)", or "of unknown role" when the membership could not be read. */
export function botRole(ctx: Context): string {
  const level = botLevel(ctx);
  return level === undefined ? "of unknown role" : roleName(level);
}

/**
 * A hook URL fit to print: credentials and query values replaced, since a webhook pointed straight at the
 * trigger API carries its trigger token in the query.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "(an unparsable URL)";
  }
  if (url.username !== "" || url.password !== "") {
    url.username = "REDACTED";
    url.password = "";
  }
  const keys = [...new Set(url.searchParams.keys())];
  const query = keys.map((key) => `${encodeURIComponent(key)}=REDACTED`).join("&");
  url.search = "";
  url.hash = "";
  return `${url.toString()}${query === "" ? "" : `?${query}`}`;
}
