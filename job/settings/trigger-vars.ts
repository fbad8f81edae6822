// The receiver's rules the job applies itself when the payload comes straight from GitLab (TRIGGER_PAYLOAD):
// the same fields the receiver reads (shared/config/policy-fields.ts), declared for the job's docs.
import { AUTHOR_POLICY_DOC, policyFields } from "../../shared/config/policy-fields.ts";
import { declare, type Setting } from "./setting.ts";

/** ALLOWED_BOTS, DENIED_USERS, ALLOWED_USERS: the receiver's docs, with the same fields. */
function authorPolicy(name: "ALLOWED_BOTS" | "DENIED_USERS" | "ALLOWED_USERS") {
  const doc = AUTHOR_POLICY_DOC.find((entry) => entry.name === name);
  if (!doc) throw new Error(`AUTHOR_POLICY_DOC has no ${name}`);
  return {
    description: doc.description,
    default: doc.default,
    schema: policyFields[name],
  } satisfies Setting;
}

export const TRIGGER_VARS = declare({
  MIN_ACCESS_LEVEL: {
    description:
      "Least access a note's author needs: guest, planner, reporter, developer, maintainer, owner, or 10 to 50.",
    default: "developer",
    schema: policyFields.MIN_ACCESS_LEVEL,
  },
  ALLOWED_BOTS: authorPolicy("ALLOWED_BOTS"),
  DENIED_USERS: authorPolicy("DENIED_USERS"),
  ALLOWED_USERS: authorPolicy("ALLOWED_USERS"),
  CLAUDE_ALIASES: {
    description: "Comma-separated extra names that summon Claude, without @.",
    default: null,
    schema: policyFields.CLAUDE_ALIASES,
  },
  CODEX_ALIASES: {
    description: "Comma-separated extra names that summon Codex, without @.",
    default: null,
    schema: policyFields.CODEX_ALIASES,
  },
  ALLOWED_PROJECTS: {
    description: "Comma-separated project paths (or ids) answered in; empty with ALLOWED_GROUPS empty: all.",
    default: null,
    schema: policyFields.ALLOWED_PROJECTS,
  },
  ALLOWED_GROUPS: {
    description: "Comma-separated group paths answered in, subgroups included.",
    default: null,
    schema: policyFields.ALLOWED_GROUPS,
  },
  HANDLE_EDITS: {
    description: "Answer a mention added by editing a note (true/false).",
    default: "false",
    schema: policyFields.HANDLE_EDITS,
  },
  BRIDGE_USER_ID: {
    description: "Numeric id of the bot user; saves a GET /user.",
    default: "looked up with GET /user",
    schema: policyFields.BRIDGE_USER_ID,
  },
});
