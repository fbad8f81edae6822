// The webhook receiver's settings, parsed once at the edge from an environment-like record (the adapter
// passes process.env, or values it fetched from a secret store). A bad setting fails the start with a list
// of every problem, each as "VARIABLE: what it expects"; a secret's value is never repeated.
//
//   const settings = loadWebhookSettings(process.env); // in functions/*, never inside shared/
import * as z from "zod/mini";
import { ASSISTANTS, validateMentionOptions, type Assistant } from "../mention/index.ts";
import { clean, integer, list, oneOf, problem, raw, required } from "./env-values.ts";
import { AUTHOR_POLICY_DOC, policyFields } from "./policy-fields.ts";
import type { SettingDoc } from "./setting-doc.ts";
import { SettingsError, type SettingsProblem } from "./settings-error.ts";

export interface WebhookSettings {
  /** Base URL of the instance, no trailing slash, e.g. https://gitlab.example.com */
  gitlabUrl: string;
  gitlabToken: string;
  /** Accepted X-Gitlab-Token values; more than one while a secret is rotated. Empty when only signing is used. */
  webhookSecrets: readonly string[];
  /**
   * Keys each project's and group's webhook secret is derived from (WEBHOOK_SECRET_KEY; several while one is
   * rotated, the first for new hooks). Empty: per-project secrets are off.
   */
  webhookSecretKeys: readonly string[];
  /** The decoded key of WEBHOOK_SIGNING_SECRET (Standard Webhooks), when set. */
  webhookSigningKey: Uint8Array | undefined;
  minAccessLevel: number;
  /** Lower-cased usernames of bot users that may summon; `*` for every bot. Empty: no bot may. */
  allowedBots: readonly string[];
  /** Lower-cased usernames that may never summon. */
  deniedUsers: readonly string[];
  /** Lower-cased usernames that may summon below minAccessLevel. */
  allowedUsers: readonly string[];
  aliases: Partial<Record<Assistant, readonly string[]>>;
  enabledAssistants: readonly Assistant[];
  /** Lower-cased project paths, or numeric project ids as strings. Empty with allowedGroups empty: all. */
  allowedProjects: readonly string[];
  /** Lower-cased group paths; a group allows its subgroups. */
  allowedGroups: readonly string[];
  dispatchMode: "trigger" | "pipeline";
  dispatchEventAs: "variables" | "inputs";
  triggerToken: string | undefined;
  /** Keyed by lower-cased project path or numeric id as a string. */
  triggerTokens: Readonly<Record<string, string>>;
  pipelineRef: string | undefined;
  claimGraceSeconds: number;
  bridgeUserId: number | undefined;
  handleEdits: boolean;
  /** Which Issue Hook / Merge Request Hook triggers are on (all by default). */
  issuableTriggers: readonly IssuableTriggerKind[];
  /** Lower-cased label names whose adding summons each assistant; empty: labels summon no one. */
  triggerLabels: Readonly<Record<Assistant, readonly string[]>>;
  /** Who answers when the bridge's own user is assigned or asked to review and its username is no alias. */
  assignmentAssistant: Assistant;
  /**
   * AUTO_REVIEW: a review of every merge request without being asked: off, on (when opened and when marked
   * ready; drafts never), on_push (also after each push). The assistant is ASSIGNMENT_ASSISTANT.
   */
  autoReview: AutoReviewMode;
  /** AUTO_REVIEW_PROJECTS: lower-cased project paths or ids; empty: every project the bridge answers in. */
  autoReviewProjects: readonly string[];
  maxBodyBytes: number;
  deadlineMs: number;
  signatureToleranceSeconds: number;
}

/** The table the README's settings section is generated from and checked against. */
export const WEBHOOK_SETTINGS_DOC: readonly SettingDoc[] = [
  {
    name: "GITLAB_URL",
    required: true,
    description: "Base URL of the GitLab instance, http or https, without /api/v4.",
    default: null,
  },
  {
    name: "GITLAB_TOKEN",
    required: true,
    description:
      "Token of the bridge's GitLab user (project/group access token or service account, `api` scope): awards, notes, members, pipelines.",
    default: null,
  },
  {
    name: "WEBHOOK_SECRET",
    required: true,
    description:
      "The webhook's secret token (X-Gitlab-Token), accepted for every project. Comma-separated to accept several while rotating. May be left out when WEBHOOK_SECRET_KEY or WEBHOOK_SIGNING_SECRET is set.",
    default: null,
  },
  {
    name: "WEBHOOK_SECRET_KEY",
    required: false,
    description:
      "Key of per-project and per-group webhook secrets (at least 32 characters): each hook's secret token is derived from it and the project id or group path (`agent-bridge webhook-secret` prints it), so one leaked token opens one project or group only. Comma-separated while rotating; the first is for new hooks.",
    default: null,
  },
  {
    name: "WEBHOOK_SIGNING_SECRET",
    required: false,
    description:
      "Signing secret of a signed webhook (Standard Webhooks), `whsec_<base64>`. When set, signatures are required.",
    default: null,
  },
  {
    name: "MIN_ACCESS_LEVEL",
    required: false,
    description:
      "Least access a note's author needs to summon an assistant: guest, planner, reporter, developer, maintainer, owner, or 10 to 50.",
    default: "developer",
  },
  ...AUTHOR_POLICY_DOC,
  {
    name: "CLAUDE_ALIASES",
    required: false,
    description: "Comma-separated extra names that summon Claude (e.g. the bot user's username), without @.",
    default: null,
  },
  {
    name: "CODEX_ALIASES",
    required: false,
    description: "Comma-separated extra names that summon Codex, without @.",
    default: null,
  },
  {
    name: "ENABLED_ASSISTANTS",
    required: false,
    description: "Comma-separated assistants that answer mentions: claude, codex.",
    default: "claude,codex",
  },
  {
    name: "ALLOWED_PROJECTS",
    required: false,
    description:
      "Comma-separated project paths (or ids) the bridge answers in. Empty with ALLOWED_GROUPS empty: all.",
    default: null,
  },
  {
    name: "ALLOWED_GROUPS",
    required: false,
    description: "Comma-separated group paths the bridge answers in, subgroups included.",
    default: null,
  },
  {
    name: "DISPATCH_MODE",
    required: false,
    description:
      "How pipelines are created: `pipeline` (POST /projects/:id/pipeline as the bridge) or `trigger` (a trigger token).",
    default: "pipeline",
  },
  {
    name: "DISPATCH_EVENT_AS",
    required: false,
    description:
      "How the event reaches the job: `variables` (AGENT_BRIDGE_EVENT and AI_FLOW_*) or `inputs` (the `agent_bridge_event` pipeline input).",
    default: "variables",
  },
  {
    name: "TRIGGER_TOKEN",
    required: false,
    description: "Pipeline trigger token used for every project (DISPATCH_MODE=trigger).",
    default: null,
  },
  {
    name: "TRIGGER_TOKENS",
    required: false,
    description:
      'JSON object of project path or id → trigger token, e.g. {"group/app":"glptt-..."}; wins over TRIGGER_TOKEN.',
    default: null,
  },
  {
    name: "PIPELINE_REF",
    required: false,
    description: "Branch the pipelines run on.",
    default: "the project's default branch",
  },
  {
    name: "CLAIM_GRACE_SECONDS",
    required: false,
    description:
      "How long a claimed note without a placeholder is left alone before another task for it (a resend, the sweep) may take it over (crash recovery).",
    default: "120",
  },
  {
    name: "BRIDGE_USER_ID",
    required: false,
    description: "Numeric id of the bridge's GitLab user; saves one GET /user per cold start.",
    default: "looked up with GET /user",
  },
  {
    name: "HANDLE_EDITS",
    required: false,
    description: "Answer a mention added by editing a note (true/false).",
    default: "false",
  },
  {
    name: "ISSUABLE_TRIGGERS",
    required: false,
    description:
      "Comma-separated triggers of the Issue Hook and Merge Request Hook that summon: `mention` (a mention in a new issue's or merge request's title or description, or one an edit adds), `assignee` (the bridge's user or an alias assigned), `reviewer` (asked to review a merge request), `label` (a trigger label added); `none` for none.",
    default: "mention,assignee,reviewer,label",
  },
  {
    name: "CLAUDE_LABELS",
    required: false,
    description:
      "Comma-separated labels whose adding to an issue or merge request summons Claude (matched case-insensitively); `none` for none.",
    default: "claude",
  },
  {
    name: "CODEX_LABELS",
    required: false,
    description:
      "Comma-separated labels whose adding to an issue or merge request summons Codex (matched case-insensitively); `none` for none.",
    default: "codex",
  },
  {
    name: "ASSIGNMENT_ASSISTANT",
    required: false,
    description:
      "The assistant that answers when the bridge's own user is assigned to an issue or merge request or asked to review one (one bot serving both): claude or codex. A user named in CLAUDE_ALIASES or CODEX_ALIASES answers as that assistant.",
    default: "claude",
  },
  {
    name: "AUTO_REVIEW",
    required: false,
    description:
      "Automatic review of merge requests (needs Merge request events on the webhook): `off`; `on`, a review when a merge request is opened or marked ready (drafts never); `on_push`, also after each push. ASSIGNMENT_ASSISTANT reviews; its summary note is edited on each review, never added again.",
    default: "off",
  },
  {
    name: "AUTO_REVIEW_PROJECTS",
    required: false,
    description:
      "Comma-separated project paths (or ids) that get automatic reviews. Empty: every project the bridge answers in.",
    default: "",
  },
  {
    name: "MAX_BODY_BYTES",
    required: false,
    description: "Largest webhook body accepted, in bytes.",
    default: "1048576",
  },
  {
    name: "DEADLINE_MS",
    required: false,
    description:
      "Time budget of the GitLab calls of one delivery, in ms; keep it below GitLab's 10 s delivery timeout.",
    default: "7000",
  },
  {
    name: "SIGNATURE_TOLERANCE_SECONDS",
    required: false,
    description: "Largest accepted difference between a signed webhook's timestamp and now, in seconds.",
    default: "300",
  },
];

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** AUTO_REVIEW's values. */
export const AUTO_REVIEW_MODES = ["off", "on", "on_push"] as const;
export type AutoReviewMode = (typeof AUTO_REVIEW_MODES)[number];

/** The kinds of Issue Hook / Merge Request Hook triggers ISSUABLE_TRIGGERS can turn on. */
export const ISSUABLE_TRIGGER_KINDS = ["mention", "assignee", "reviewer", "label"] as const;
export type IssuableTriggerKind = (typeof ISSUABLE_TRIGGER_KINDS)[number];

// GitLab label titles may hold spaces and most punctuation, but never a comma in this list.
function labelList(fallback: string) {
  return raw.transform((value, ctx): string[] => {
    if (value === undefined) return [fallback];
    if (value.toLowerCase() === "none") return [];
    const names = list(value).map((name) => name.toLowerCase());
    return names.every((name) => name.length <= 255 && !/[<>]/.test(name))
      ? names
      : problem(ctx, "comma-separated label names (without < or >), or none");
  });
}

/** The least length of a WEBHOOK_SECRET_KEY: it is a key, not a password. */
export const MIN_SECRET_KEY_LENGTH = 32;

const EnvSchema = z.object({
  ...policyFields,
  GITLAB_URL: required("the GitLab instance's base URL, e.g. https://gitlab.example.com").transform(
    (value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return problem(ctx, "an http or https URL, e.g. https://gitlab.example.com");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return problem(ctx, "an http or https URL, e.g. https://gitlab.example.com");
      }
      if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
        return problem(ctx, "a base URL without query, fragment or credentials");
      }
      const base = url.toString().replace(/\/+$/, "");
      if (/\/api\/v4$/.test(base)) return problem(ctx, "the instance's base URL, without /api/v4");
      return base;
    },
  ),
  GITLAB_TOKEN: required("the bridge user's GitLab token (api scope)").transform((value, ctx) =>
    /\s/.test(value) ? problem(ctx, "a GitLab token without spaces") : value,
  ),
  WEBHOOK_SECRET: raw.transform(list),
  WEBHOOK_SECRET_KEY: raw.transform((value, ctx) => {
    const keys = list(value);
    if (keys.some((key) => key.length < MIN_SECRET_KEY_LENGTH || /\s/.test(key))) {
      return problem(
        ctx,
        `comma-separated keys of at least ${MIN_SECRET_KEY_LENGTH} characters without spaces, e.g. \`openssl rand -hex 32\``,
      );
    }
    return keys;
  }),
  WEBHOOK_SIGNING_SECRET: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const encoded = value.startsWith("whsec_") ? value.slice("whsec_".length) : undefined;
    const key = encoded !== undefined && BASE64.test(encoded) ? Buffer.from(encoded, "base64") : undefined;
    if (!key || key.length < 16) {
      return problem(ctx, "a Standard Webhooks secret: whsec_ followed by base64 of at least 16 bytes");
    }
    return new Uint8Array(key);
  }),
  ENABLED_ASSISTANTS: raw.transform((value, ctx): Assistant[] => {
    const names = value === undefined ? [...ASSISTANTS] : list(value).map((name) => name.toLowerCase());
    const known = names.filter((name): name is Assistant => ASSISTANTS.some((a) => a === name));
    if (known.length !== names.length || known.length === 0) {
      return problem(ctx, `a comma-separated, non-empty list of: ${ASSISTANTS.join(", ")}`);
    }
    return [...new Set(known)];
  }),
  ISSUABLE_TRIGGERS: raw.transform((value, ctx): IssuableTriggerKind[] => {
    if (value === undefined) return [...ISSUABLE_TRIGGER_KINDS];
    if (value.toLowerCase() === "none") return [];
    const names = list(value).map((name) => name.toLowerCase());
    const known = names.filter((name): name is IssuableTriggerKind =>
      ISSUABLE_TRIGGER_KINDS.some((kind) => kind === name),
    );
    if (known.length !== names.length || known.length === 0) {
      return problem(ctx, `a comma-separated list of: ${ISSUABLE_TRIGGER_KINDS.join(", ")}; or none`);
    }
    return [...new Set(known)];
  }),
  CLAUDE_LABELS: labelList("claude"),
  CODEX_LABELS: labelList("codex"),
  ASSIGNMENT_ASSISTANT: oneOf(ASSISTANTS).transform((v): Assistant => v ?? "claude"),
  AUTO_REVIEW: oneOf(AUTO_REVIEW_MODES).transform((v): AutoReviewMode => v ?? "off"),
  AUTO_REVIEW_PROJECTS: raw.transform((value) => list(value ?? "").map((name) => name.toLowerCase())),
  DISPATCH_MODE: oneOf(["trigger", "pipeline"] as const).transform((v) => v ?? "pipeline"),
  DISPATCH_EVENT_AS: oneOf(["variables", "inputs"] as const).transform((v) => v ?? "variables"),
  TRIGGER_TOKEN: raw,
  TRIGGER_TOKENS: raw.transform((value, ctx): Record<string, string> => {
    if (value === undefined) return {};
    const expects = 'a JSON object of project path or id → trigger token, e.g. {"group/app":"glptt-..."}';
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      return problem(ctx, `${expects} (it is not valid JSON)`);
    }
    const parsed = z.record(z.string(), z.string().check(z.trim(), z.minLength(1))).safeParse(json);
    if (!parsed.success || Array.isArray(json) || Object.keys(parsed.data).length === 0) {
      return problem(ctx, expects);
    }
    return Object.fromEntries(
      Object.entries(parsed.data).map(([key, token]) => [key.replace(/^\/+|\/+$/g, "").toLowerCase(), token]),
    );
  }),
  PIPELINE_REF: raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    // The git ref name rules that matter here (git check-ref-format): no spaces, "..", leading "-".
    if (/[\s~^:?*[\\]|\.\.|^-|^\/|\/$|\.lock$|@\{/.test(value)) {
      return problem(ctx, "a branch name, e.g. main");
    }
    return value;
  }),
  CLAIM_GRACE_SECONDS: integer(0, 86_400, "seconds").transform((v) => v ?? 120),
  MAX_BODY_BYTES: integer(1_024, 26_214_400, "bytes").transform((v) => v ?? 1_048_576),
  DEADLINE_MS: integer(100, 60_000, "milliseconds").transform((v) => v ?? 7_000),
  SIGNATURE_TOLERANCE_SECONDS: integer(1, 86_400, "seconds").transform((v) => v ?? 300),
});

// Checks across variables, on the raw values so they are reported even when another variable is invalid.
function crossProblems(env: Readonly<Record<string, unknown>>): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (
    list(clean(env["WEBHOOK_SECRET"])).length === 0 &&
    list(clean(env["WEBHOOK_SECRET_KEY"])).length === 0 &&
    clean(env["WEBHOOK_SIGNING_SECRET"]) === undefined
  ) {
    problems.push({
      variable: "WEBHOOK_SECRET",
      expected:
        "required (the webhook's secret token; comma-separated while rotating), unless WEBHOOK_SECRET_KEY or WEBHOOK_SIGNING_SECRET is set",
    });
  }
  const trigger = clean(env["DISPATCH_MODE"])?.toLowerCase() === "trigger";
  if (trigger && clean(env["TRIGGER_TOKEN"]) === undefined && clean(env["TRIGGER_TOKENS"]) === undefined) {
    problems.push({
      variable: "TRIGGER_TOKEN",
      expected:
        "required when DISPATCH_MODE=trigger (a pipeline trigger token), unless TRIGGER_TOKENS is set",
    });
  }
  return problems;
}

/** Parses and checks the receiver's settings; throws SettingsError listing every problem. */
export function loadWebhookSettings(env: Readonly<Record<string, string | undefined>>): WebhookSettings {
  // Only the documented variables are read; picking them first keeps the rest of the environment out.
  const picked = Object.fromEntries(WEBHOOK_SETTINGS_DOC.map((doc) => [doc.name, env[doc.name]]));
  const parsed = EnvSchema.safeParse(picked);
  const problems: SettingsProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? "settings");
      // Only our own messages: zod's defaults could describe a value, and a value may be a secret.
      const expected = issue.code === "custom" ? issue.message : "invalid";
      if (!problems.some((p) => p.variable === variable && p.expected === expected)) {
        problems.push({ variable, expected });
      }
    }
  }
  problems.push(...crossProblems(picked));
  if (!parsed.success || problems.length > 0) {
    // In the order of the documentation table, so the message reads like the README.
    const order = (name: string) => WEBHOOK_SETTINGS_DOC.findIndex((doc) => doc.name === name);
    throw new SettingsError(
      "webhook settings",
      problems.sort((a, b) => order(a.variable) - order(b.variable)),
    );
  }
  const e = parsed.data;
  const aliases: Partial<Record<Assistant, readonly string[]>> = {};
  if (e.CLAUDE_ALIASES.length > 0) aliases.claude = e.CLAUDE_ALIASES;
  if (e.CODEX_ALIASES.length > 0) aliases.codex = e.CODEX_ALIASES;
  try {
    // The mention finder's own rules (an alias may summon only one assistant): fail at start, not per note.
    validateMentionOptions({ aliases, enabled: e.ENABLED_ASSISTANTS });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SettingsError("webhook settings", [
      { variable: "CLAUDE_ALIASES/CODEX_ALIASES", expected: `aliases the mention finder accepts (${why})` },
    ]);
  }
  return {
    gitlabUrl: e.GITLAB_URL,
    gitlabToken: e.GITLAB_TOKEN,
    webhookSecrets: e.WEBHOOK_SECRET,
    webhookSecretKeys: e.WEBHOOK_SECRET_KEY,
    webhookSigningKey: e.WEBHOOK_SIGNING_SECRET,
    minAccessLevel: e.MIN_ACCESS_LEVEL,
    allowedBots: e.ALLOWED_BOTS,
    deniedUsers: e.DENIED_USERS,
    allowedUsers: e.ALLOWED_USERS,
    aliases,
    enabledAssistants: e.ENABLED_ASSISTANTS,
    allowedProjects: e.ALLOWED_PROJECTS,
    allowedGroups: e.ALLOWED_GROUPS,
    dispatchMode: e.DISPATCH_MODE,
    dispatchEventAs: e.DISPATCH_EVENT_AS,
    triggerToken: e.TRIGGER_TOKEN,
    triggerTokens: e.TRIGGER_TOKENS,
    pipelineRef: e.PIPELINE_REF,
    claimGraceSeconds: e.CLAIM_GRACE_SECONDS,
    bridgeUserId: e.BRIDGE_USER_ID,
    handleEdits: e.HANDLE_EDITS,
    issuableTriggers: e.ISSUABLE_TRIGGERS,
    triggerLabels: { claude: e.CLAUDE_LABELS, codex: e.CODEX_LABELS },
    assignmentAssistant: e.ASSIGNMENT_ASSISTANT,
    autoReview: e.AUTO_REVIEW,
    autoReviewProjects: e.AUTO_REVIEW_PROJECTS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    deadlineMs: e.DEADLINE_MS,
    signatureToleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
  };
}
