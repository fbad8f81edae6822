// The settings of who may summon an assistant and where, read the same way by the webhook receiver and by a
// job that takes a raw TRIGGER_PAYLOAD (and so applies the receiver's rules itself).
import { ACCESS_LEVELS, accessLevelOf } from "../gitlab/access-levels.ts";
import { list, problem, raw } from "./env-values.ts";

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const NAMESPACE_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$/;

function aliasList(assistant: string) {
  return raw.transform((value, ctx) => {
    const names = list(value).map((name) => name.replace(/^@/, ""));
    return names.every((name) => USERNAME.test(name))
      ? names
      : problem(ctx, `comma-separated GitLab usernames (letters, digits, _ . -) that summon ${assistant}`);
  });
}

function pathList(what: string) {
  return raw.transform((value, ctx) => {
    const paths = list(value).map((path) => path.replace(/^\/+|\/+$/g, "").toLowerCase());
    return paths.every((path) => NAMESPACE_PATH.test(path))
      ? paths
      : problem(ctx, `comma-separated ${what}, e.g. group/subgroup/project`);
  });
}

/** zod fields to spread into a settings schema. */
export const policyFields = {
  MIN_ACCESS_LEVEL: raw.transform((value, ctx) => {
    if (value === undefined) return ACCESS_LEVELS.developer;
    const named = accessLevelOf(value);
    if (named !== undefined) return named;
    if (/^\d+$/.test(value) && Number(value) >= 10 && Number(value) <= 50) return Number(value);
    return problem(ctx, `one of ${Object.keys(ACCESS_LEVELS).join(", ")}, or a number from 10 to 50`);
  }),
  CLAUDE_ALIASES: aliasList("Claude"),
  CODEX_ALIASES: aliasList("Codex"),
  ALLOWED_PROJECTS: pathList("project paths or ids"),
  ALLOWED_GROUPS: pathList("group paths"),
  HANDLE_EDITS: raw.transform((value, ctx) => {
    if (value === undefined) return false;
    const lower = value.toLowerCase();
    if (["true", "1", "yes", "on"].includes(lower)) return true;
    if (["false", "0", "no", "off"].includes(lower)) return false;
    return problem(ctx, "true or false");
  }),
  BRIDGE_USER_ID: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return /^[1-9]\d*$/.test(value)
      ? Number(value)
      : problem(ctx, "the numeric id of the bridge's GitLab user");
  }),
};
