// The settings of who may summon an assistant and where, read the same way by the webhook receiver and by a
// job that takes a raw TRIGGER_PAYLOAD (and so applies the receiver's rules itself).
import { ACCESS_LEVELS, accessLevelOf } from "../gitlab/access-levels.ts";
import { list, problem, raw } from "./env-values.ts";
import type { SettingDoc } from "./setting-doc.ts";

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

/** Lower-cased (GitLab usernames are case-insensitive), @ dropped; `*` kept when `star` allows it. */
function userList(what: string, star = false) {
  return raw.transform((value, ctx) => {
    const names = list(value).map((name) => name.replace(/^@/, "").toLowerCase());
    return names.every((name) => USERNAME.test(name) || (star && name === "*"))
      ? names
      : problem(ctx, `comma-separated GitLab usernames${star ? " (or *)" : ""} ${what}`);
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
  ALLOWED_BOTS: userList("of bot users that may summon (bots are refused by default)", true),
  DENIED_USERS: userList("that may never summon, bots or people"),
  ALLOWED_USERS: userList("that may summon whatever their access level"),
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

/** The docs of the author rules, for the receiver's table and the job's (TRIGGER_PAYLOAD) table. */
export const AUTHOR_POLICY_DOC: readonly SettingDoc[] = [
  {
    name: "ALLOWED_BOTS",
    required: false,
    description:
      "Comma-separated usernames of bot users (project or group access tokens, service accounts: `bot: true` in GitLab's users API) that may summon, or * for all; they still need MIN_ACCESS_LEVEL. Bots are refused by default: bots answering bots is how loops start.",
    default: null,
  },
  {
    name: "DENIED_USERS",
    required: false,
    description: "Comma-separated usernames that may never summon, whatever their access.",
    default: null,
  },
  {
    name: "ALLOWED_USERS",
    required: false,
    description:
      "Comma-separated usernames that may summon whatever their access level (people below MIN_ACCESS_LEVEL).",
    default: null,
  },
];
