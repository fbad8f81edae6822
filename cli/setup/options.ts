// The options of `agent-bridge setup`: flags for everything that is not a secret, the environment (or a
// question in a terminal) for the secrets. A model key or token is never a flag: a command line shows in
// `ps` and in shell history. Every problem is named at once, with what is expected.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ASSISTANTS, type Assistant } from "../../shared/mention/index.ts";
import type { BotRole, EventAs, SetupOptions, WebhookMode } from "./context.ts";
import { MODEL_KEY_VARIABLE } from "./context.ts";
import type { Prompter } from "./prompt.ts";

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_COMPONENTS_PROJECT = "agent-bridge/agent-bridge";
const DAY_MS = 86_400_000;

const FLAGS = {
  project: { type: "string" },
  "gitlab-url": { type: "string" },
  assistant: { type: "string" },
  "bot-name": { type: "string", default: "agent-bridge" },
  "bot-role": { type: "string", default: "maintainer" },
  "bot-expires": { type: "string" },
  variable: { type: "string", multiple: true },
  include: { type: "string", default: "component" },
  "components-project": { type: "string", default: DEFAULT_COMPONENTS_PROJECT },
  version: { type: "string" },
  commit: { type: "boolean", default: false },
  "event-as": { type: "string", default: "auto" },
  "receiver-url": { type: "string" },
  "trigger-mode": { type: "boolean", default: false },
  "receiver-env": { type: "string", default: "agent-bridge-receiver.env" },
  "test-mention": { type: "boolean", default: false },
  "test-timeout": { type: "string", default: "300" },
  "no-input": { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function baseUrl(raw: string, problems: string[]): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.search !== "" ||
    url.username !== ""
  ) {
    problems.push(`the GitLab URL expects an http(s) base URL such as https://gitlab.com, got "${raw}"`);
    return "";
  }
  const text = url.toString().replace(/\/+$/, "");
  if (text.endsWith("/api/v4")) {
    problems.push(`the GitLab URL is the instance's base URL, without /api/v4: ${text.slice(0, -7)}`);
  }
  return text;
}

export interface ParsedSetup {
  options: SetupOptions;
  interactive: boolean;
}

/**
 * The options, asking in a terminal for what is missing; { problems } when something is wrong or missing
 * without a terminal to ask in.
 */
export async function parseSetupOptions(
  args: string[],
  env: Env,
  prompter: Prompter | undefined,
  today: Date,
  packageVersion: string,
): Promise<ParsedSetup | { help: true } | { problems: string[] }> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    return { problems: [(e as Error).message] };
  }
  if (values.help) return { help: true };
  const ask = values["no-input"] ? undefined : prompter;
  const problems: string[] = [];

  const rawUrl =
    values["gitlab-url"]?.trim() ??
    setting(env, "GITLAB_URL") ??
    (ask ? await ask.ask("GitLab URL", "https://gitlab.com") : undefined);
  const gitlabUrl = rawUrl === undefined ? "" : baseUrl(rawUrl, problems);
  if (rawUrl === undefined)
    problems.push("--gitlab-url (or GITLAB_URL) is required, e.g. https://gitlab.com");

  const project = (
    values.project ?? (ask ? await ask.ask("Project (group/project, as in its URL)") : "")
  ).replace(/^\/+|\/+$/g, "");
  if (project === "") problems.push("--project is required: the project's path, e.g. --project group/app");

  const token =
    setting(env, "GITLAB_SETUP_TOKEN") ??
    (ask ? await ask.secret("Your GitLab token (a Maintainer's, with the api scope)") : undefined);
  if (token === undefined || token === "") {
    problems.push("GITLAB_SETUP_TOKEN is required: your own token (a Maintainer of the project, api scope)");
  }

  const keyFromEnv = (a: Assistant): string | undefined =>
    a === "claude"
      ? (setting(env, "CLAUDE_API_KEY") ?? setting(env, "ANTHROPIC_API_KEY"))
      : setting(env, "OPENAI_API_KEY");
  let assistants: Assistant[] = [];
  const rawAssistant =
    values.assistant ??
    (ASSISTANTS.some((a) => keyFromEnv(a) !== undefined)
      ? ASSISTANTS.filter((a) => keyFromEnv(a) !== undefined).join(",")
      : ask
        ? await ask.ask("Assistants: claude, codex or both", "claude")
        : "claude");
  const wanted = rawAssistant.trim().toLowerCase();
  if (wanted === "both") assistants = [...ASSISTANTS];
  else {
    for (const name of wanted.split(",").map((s) => s.trim())) {
      const one = ASSISTANTS.find((a) => a === name);
      if (one) assistants.push(one);
      else problems.push(`--assistant expects claude, codex or both, got "${rawAssistant}"`);
    }
  }

  const modelKeys: Partial<Record<string, string>> = {};
  for (const assistant of assistants) {
    const key = keyFromEnv(assistant);
    if (key !== undefined) modelKeys[MODEL_KEY_VARIABLE[assistant]] = key;
  }

  const botRole = values["bot-role"];
  if (botRole !== "developer" && botRole !== "maintainer") {
    problems.push(`--bot-role expects developer or maintainer, got "${botRole}"`);
  }
  const botExpiresAt =
    values["bot-expires"] ?? new Date(today.getTime() + 365 * DAY_MS).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(botExpiresAt) || Date.parse(botExpiresAt) <= today.getTime()) {
    problems.push(`--bot-expires expects a future date as YYYY-MM-DD, got "${botExpiresAt}"`);
  }

  const extraVariables: Record<string, string> = {};
  for (const pair of values.variable ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!match?.[1]) problems.push(`--variable expects KEY=VALUE, got "${pair}"`);
    else if (/(TOKEN|KEY|SECRET|PASSWORD)$/i.test(match[1])) {
      problems.push(
        `--variable ${match[1]}: secrets never go on the command line; set it in the environment`,
      );
    } else extraVariables[match[1]] = match[2] ?? "";
  }

  const form = values.include;
  if (form !== "component" && form !== "project") {
    problems.push(`--include expects component or project, got "${form}"`);
  }
  // A component's version is the release (0.1.0); the project form names the git tag (v0.1.0).
  const ref = values.version ?? (form === "project" ? `v${packageVersion}` : packageVersion);

  const eventAs = values["event-as"];
  if (eventAs !== "auto" && eventAs !== "variables" && eventAs !== "inputs") {
    problems.push(`--event-as expects auto, variables or inputs, got "${eventAs}"`);
  }

  let webhook: WebhookMode = { kind: "none" };
  const receiver = values["receiver-url"]?.trim();
  if (receiver !== undefined && values["trigger-mode"]) {
    problems.push(
      "--receiver-url and --trigger-mode exclude each other: pick one way for the comments to travel",
    );
  } else if (receiver !== undefined) {
    try {
      const url = new URL(receiver);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
      webhook = { kind: "receiver", url: url.toString() };
    } catch {
      problems.push(
        `--receiver-url expects the receiver's http(s) URL, e.g. https://bridge.example.com/webhook`,
      );
    }
  } else if (values["trigger-mode"]) {
    webhook = { kind: "trigger" };
  } else if (ask) {
    const answer = await ask.ask(
      "Where do comments go? The receiver's URL (https://.../webhook), 'trigger' for no receiver, or empty to skip",
      "",
    );
    if (answer === "trigger") webhook = { kind: "trigger" };
    else if (answer !== "") webhook = { kind: "receiver", url: answer };
  }

  const timeout = Number(values["test-timeout"]);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    problems.push(`--test-timeout expects seconds, got "${values["test-timeout"]}"`);
  }
  const testMention =
    values["test-mention"] ||
    (ask && webhook.kind !== "none"
      ? await ask.confirm("Post a test mention and wait for the answer?", true)
      : false);
  // In a terminal a missing model key is asked for; the project's existing one is kept when the answer is empty.
  if (ask) {
    for (const assistant of assistants) {
      const name = MODEL_KEY_VARIABLE[assistant];
      if (modelKeys[name] !== undefined) continue;
      const typed = await ask.secret(`${name} for ${assistant} (empty: keep the project's)`);
      if (typed !== "") modelKeys[name] = typed;
    }
  }

  if (problems.length > 0) return { problems };
  return {
    interactive: ask !== undefined,
    options: {
      gitlabUrl,
      project,
      assistants,
      token: token ?? "",
      botToken: setting(env, "AGENT_BRIDGE_BOT_TOKEN"),
      botName: values["bot-name"],
      botRole: botRole as BotRole,
      botExpiresAt,
      modelKeys,
      extraVariables,
      include: { form: form as "component" | "project", project: values["components-project"], ref },
      ciChange: values.commit ? "commit" : "merge-request",
      eventAs: eventAs as EventAs,
      webhook,
      webhookSecret: setting(env, "WEBHOOK_SECRET"),
      webhookSecretKey: setting(env, "WEBHOOK_SECRET_KEY"),
      receiverEnvFile: values["receiver-env"],
      testMention,
      testTimeoutMs: timeout * 1000,
    },
  };
}
