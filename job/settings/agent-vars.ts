// The variables both assistants read: provider, limits, tools, branches, push mode, instructions, context,
// the answer's schema, the signing key; and four read elsewhere in the job (AGENT_REPORT_DIR by
// job/run-report.ts, AGENT_SECRET_VARIABLES by job/redact.ts, the box's AGENT_BRIDGE_BOX_USER and
// AGENT_BRIDGE_UNBOXED_AGENT_CAN_READ_SECRETS by job/box/isolation.ts), declared here for the docs and --help.
import { integer, oneOf, problem, raw } from "../../shared/config/env-values.ts";
import {
  BRANCH_NAME_PLACEHOLDERS,
  branchNameTemplateProblem,
  DEFAULT_BRANCH_NAME_TEMPLATE,
} from "./branch-name-template.ts";
import { branch, isValidRefName, jsonOrPath, toolList, usernamePatterns } from "./fields.ts";
import { BOX_USER_ENV, DEFAULT_BOX_USER, UNBOXED_ENV } from "../box/isolation.ts";
import { declare } from "./setting.ts";
import { signingKeyField } from "./signing-key.ts";
import {
  AGENT_PROVIDERS,
  DEFAULT_CONTEXT_BUDGET_CHARS,
  DEFAULT_TIMEOUT_MINUTES,
  JOB_TIMEOUT_MARGIN_MINUTES,
  PUSH_MODES,
} from "./types.ts";

export const AGENT_VARS = declare({
  AGENT_PROVIDER: {
    description: "Where the model runs: anthropic, bedrock or vertex for Claude; openai for Codex.",
    default: "anthropic (Claude), openai (Codex)",
    schema: oneOf(AGENT_PROVIDERS),
  },
  AGENT_MAX_TURNS: {
    description:
      "Claude only: most turns the agent may take (1 to 1000). `codex exec` has no turn limit; AGENT_TIMEOUT_MINUTES bounds a Codex run.",
    default: null,
    schema: integer(1, 1000, "turns"),
  },
  AGENT_TIMEOUT_MINUTES: {
    description: `The run's own deadline in minutes (decimals allowed); it must stay at least ${JOB_TIMEOUT_MARGIN_MINUTES} minutes below the job's timeout.`,
    default: `${DEFAULT_TIMEOUT_MINUTES} (or the job's timeout less ${JOB_TIMEOUT_MARGIN_MINUTES} minutes, if shorter)`,
    schema: raw.transform((value, ctx) => {
      if (value === undefined) return undefined;
      const minutes = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
      if (!(minutes >= 0.05 && minutes <= 1440)) {
        return problem(ctx, "a number of minutes from 0.05 to 1440, below the job's timeout");
      }
      return minutes;
    }),
  },
  AGENT_ALLOWED_TOOLS: {
    description: 'Tools the agent may use, comma- or space-separated, e.g. "Edit,Write,Bash(npm test:*)".',
    default: "the assistant's defaults",
    schema: toolList(),
  },
  AGENT_DISALLOWED_TOOLS: {
    description: "Tools the agent may not use, same format.",
    default: null,
    schema: toolList(),
  },
  AGENT_BRANCH_PREFIX: {
    description: "Prefix of the branches the job creates.",
    default: "claude/ or codex/",
    schema: raw.transform((value, ctx) => {
      if (value === undefined) return undefined;
      return isValidRefName(value, { prefix: true }) && value.length <= 100
        ? value
        : problem(ctx, "a branch name prefix such as claude/ (no blanks, .., ~ ^ : ? * [ or \\)");
    }),
  },
  AGENT_BRANCH_NAME_TEMPLATE: {
    description: `Name of the branches made for issues: text with ${BRANCH_NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")} ({iid} required); a placeholder with no value takes a separator beside it along. It must give a valid git branch name.`,
    default: DEFAULT_BRANCH_NAME_TEMPLATE,
    schema: raw.transform((value, ctx) => {
      if (value === undefined) return undefined;
      const why = branchNameTemplateProblem(value);
      return why === null ? value : problem(ctx, why);
    }),
  },
  AGENT_BASE_BRANCH: {
    description: "Branch that work on an issue starts from (and whose rules files the agent obeys).",
    default: "CI_DEFAULT_BRANCH",
    schema: branch("the branch work starts from"),
  },
  AGENT_PUSH_MODE: {
    description:
      "On a merge request: `auto` amends the bot's own last commit (pushed with force-with-lease) when the merge request is the bot's and nobody reviewed or approved since that commit, else adds a commit; `commit` always adds one; `amend` amends the bot's own last commit whoever's branch it is.",
    default: "auto",
    schema: oneOf(PUSH_MODES),
  },
  AGENT_CUSTOM_INSTRUCTIONS: {
    description: "Extra instructions added to the agent's system prompt.",
    default: null,
    schema: raw,
  },
  AGENT_REPORT_DIR: {
    description:
      "Directory (relative to CI_PROJECT_DIR) for the run's report: agent-bridge-report.json and agent-bridge.env (AGENT_RESULT_* for later jobs). Unset: no report. The components set agent-bridge-report and collect both as artifacts.",
    default: null,
  },
  AGENT_CONTEXT_BUDGET_CHARS: {
    description: "Most characters of issue or merge request context put into the prompt (5000 to 5000000).",
    default: String(DEFAULT_CONTEXT_BUDGET_CHARS),
    schema: integer(5_000, 5_000_000, "characters"),
  },
  AGENT_INCLUDE_COMMENTS_BY: {
    description:
      "Comma-separated usernames whose notes the agent sees in the context, `*` matching any characters (e.g. `alice, project_*_bot*`); the request's own note is always shown. Empty: everyone's.",
    default: null,
    schema: usernamePatterns(),
  },
  AGENT_EXCLUDE_COMMENTS_BY: {
    description:
      "Comma-separated usernames whose notes are left out of the context, same form; wins over AGENT_INCLUDE_COMMENTS_BY.",
    default: null,
    schema: usernamePatterns(),
  },
  AGENT_OUTPUT_SCHEMA: {
    description:
      "A JSON Schema the answer must follow, as JSON or the path of a JSON file in the repository (read from the base branch): Claude's --json-schema, Codex's --output-schema. The answer is then JSON, in the reply and as structured_output in the run's report.",
    default: null,
    schema: jsonOrPath("a JSON Schema for the answer"),
  },
  SSH_SIGNING_KEY: {
    secret: true,
    description:
      "An OpenSSH private key without a passphrase (plain, or base64-encoded so GitLab can mask it): the bot's commits are signed with it (git's SSH signing), by the job after the agent has finished; the agent never sees it. Add its public key to the bot user as a signing key for GitLab to show the commits as Verified.",
    default: null,
    schema: signingKeyField,
  },
  AGENT_SECRET_VARIABLES: {
    description:
      "Comma-separated names of more variables whose values are redacted from everything posted to GitLab (variables named like *TOKEN*, *SECRET*, *PASSWORD*, *API_KEY* always are).",
    default: null,
  },
  [BOX_USER_ENV]: {
    description: `The user the agent runs as when the job is root (the agent-bridge images create ${DEFAULT_BOX_USER}); it must exist and not be root.`,
    default: DEFAULT_BOX_USER,
  },
  [UNBOXED_ENV]: {
    description:
      "true: run the agent on a runner that offers no box (no user of its own, no namespaces), where it can read what the job can (the component's unboxed_agent_can_read_secrets input). Otherwise such a run stops and says why.",
    default: "false",
  },
});
