// The webhook step of `agent-bridge setup`. Receiver mode: a project webhook to the given receiver URL with
// Comments, Confidential comments, Issues, Confidential issues and Merge request events (the receiver's
// issue and merge request triggers) and no others, and the receiver's settings (the bot's token, the webhook secret,
// how the event travels) written to an env file readable by its owner only, never printed. Trigger mode: a
// pipeline trigger token and a webhook straight at GitLab's trigger API, no receiver at all
// (https://docs.gitlab.com/ci/triggers/#use-a-webhook). The hook's secret is the one derived for this project
// from WEBHOOK_SECRET_KEY (shared/webhook/scoped-secrets.ts), so a leaked one opens this project only; a
// receiver already on one shared WEBHOOK_SECRET keeps it until a key is given.
import { createHook, listProjectHooks, updateHook, type Hook } from "../../shared/gitlab/api/hooks.ts";
import { createTrigger, listTriggers } from "../../shared/gitlab/api/pipeline-triggers.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { readPages } from "../../shared/gitlab/paginate.ts";
import { MIN_SECRET_KEY_LENGTH } from "../../shared/config/webhook-settings.ts";
import { deriveWebhookSecret } from "../../shared/webhook/scoped-secrets.ts";
import { facts, SetupStop, type SetupContext } from "./context.ts";

const STEP = "webhook";
const TRIGGER_DESCRIPTION = "agent-bridge (webhook trigger mode)";

function eventsRight(hook: Hook, issuables: boolean): boolean {
  const comments = hook.note_events === true && hook.confidential_note_events === true;
  if (!issuables) return comments;
  return (
    comments &&
    hook.issues_events === true &&
    hook.confidential_issues_events === true &&
    hook.merge_requests_events === true
  );
}

const RECEIVER_EVENTS =
  "Comments, Confidential comments, Issues, Confidential issues and Merge request events";

/** KEY=value lines; values of the kind setup writes need no quoting (no spaces, quotes or newlines). */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) values[match[1]] = match[2];
  }
  return values;
}

export async function webhookStep(ctx: SetupContext): Promise<void> {
  const mode = ctx.options.webhook;
  if (mode.kind === "none") {
    ctx.report({
      step: STEP,
      outcome: "skipped",
      detail: "no --receiver-url and no --trigger-mode: connect one later (docs/quickstart.md)",
    });
    return;
  }
  if (mode.kind === "trigger") return triggerMode(ctx);
  return receiverMode(ctx, mode.url);
}

async function receiverMode(ctx: SetupContext, url: string): Promise<void> {
  const { project } = facts(ctx);
  const bot = ctx.state.bot;
  if (!bot) throw new Error("setup: the bot step has not run");
  const file = ctx.options.receiverEnvFile;
  const previous = parseEnvFile((await ctx.readTextFile(file)) ?? "");
  const hooks = await allHooks(ctx.gitlab, project.id);
  const hook = hooks.find((h) => h.url === url);

  const chosen = chooseSecret(ctx, project.id, previous);
  const secret = chosen.secret;
  const whose = chosen.key !== undefined ? "this project's own secret" : "the shared secret";
  if (!hook) {
    await createHook(ctx.gitlab, project.id, { url, token: secret, issuables: true });
    ctx.report({
      step: STEP,
      outcome: "created",
      detail: `${url}: ${RECEIVER_EVENTS}, ${whose}`,
    });
  } else if (!eventsRight(hook, true) || chosen.changed) {
    await updateHook(ctx.gitlab, project.id, hook.id, { url, token: secret, issuables: true });
    ctx.report({
      step: STEP,
      outcome: "updated",
      detail: `${url}: ${RECEIVER_EVENTS}, ${whose} set`,
    });
  } else {
    ctx.report({
      step: STEP,
      outcome: "unchanged",
      detail: `${url} gets ${RECEIVER_EVENTS}`,
    });
  }
  ctx.state.webhookSecret = secret;
  if (chosen.key !== undefined) ctx.state.webhookSecretKey = chosen.key;

  const settings: Record<string, string> = {
    GITLAB_URL: ctx.options.gitlabUrl,
    GITLAB_TOKEN: bot.token,
    // The shared secret stays while other projects' hooks may still carry it; the key opens each by its own.
    ...(chosen.shared !== undefined ? { WEBHOOK_SECRET: chosen.shared } : {}),
    ...(chosen.key !== undefined ? { WEBHOOK_SECRET_KEY: chosen.key } : {}),
    BRIDGE_USER_ID: String(bot.userId),
    ...(ctx.state.eventAsInput ? { DISPATCH_EVENT_AS: "inputs" } : {}),
  };
  const text = `${Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
  const same =
    Object.keys(settings).length === Object.keys(previous).length &&
    Object.entries(settings).every(([k, v]) => previous[k] === v);
  if (!same) await ctx.writeSecretFile(file, text);
  ctx.report({
    step: "receiver settings",
    outcome: same ? "unchanged" : Object.keys(previous).length > 0 ? "updated" : "created",
    detail: `${file} (mode 0600): ${Object.keys(settings).join(", ")}; start the receiver with them, e.g. \`env $(cat ${file}) agent-bridge serve\``,
  });
}

interface ChosenSecret {
  /** What the hook carries. */
  secret: string;
  /** Per-project secrets' key, when they are on. */
  key: string | undefined;
  /** The shared secret to keep in the receiver's settings. */
  shared: string | undefined;
  /** The hook may hold another secret than `secret`: set it. */
  changed: boolean;
}

// Per-project secrets when a key is given, was written by an earlier run, or nothing is known yet (a new
// key); the shared secret only where one is already in use and no key is. A derived secret is always known
// again, so an existing hook never stops setup in that mode.
function chooseSecret(ctx: SetupContext, projectId: number, previous: Record<string, string>): ChosenSecret {
  const previousKey = previous["WEBHOOK_SECRET_KEY"]?.split(",")[0]?.trim() || undefined;
  const shared = ctx.options.webhookSecret ?? previous["WEBHOOK_SECRET"];
  let key = ctx.options.webhookSecretKey?.split(",")[0]?.trim() || previousKey;
  if (key !== undefined && key.length < MIN_SECRET_KEY_LENGTH) {
    throw new SetupStop(STEP, `WEBHOOK_SECRET_KEY is shorter than ${MIN_SECRET_KEY_LENGTH} characters`, [
      "Set WEBHOOK_SECRET_KEY to a longer key (e.g. `openssl rand -hex 32`), or leave it out and setup makes one",
    ]);
  }
  if (key === undefined && shared === undefined) key = ctx.randomSecret();
  if (key !== undefined) {
    return {
      secret: deriveWebhookSecret(key, { projectId }),
      key,
      shared: previous["WEBHOOK_SECRET"] ?? ctx.options.webhookSecret,
      // Only a key the last run wrote is one the hook was given.
      changed: key !== previousKey,
    };
  }
  // No key: a shared secret is known (the branch above made a key otherwise).
  return {
    secret: shared!,
    key: undefined,
    shared,
    // A secret handed in that the last run did not write: the hook may hold another one, so set it.
    changed:
      ctx.options.webhookSecret !== undefined && previous["WEBHOOK_SECRET"] !== ctx.options.webhookSecret,
  };
}

async function triggerMode(ctx: SetupContext): Promise<void> {
  const { project, defaultBranch } = facts(ctx);
  // GitLab shows a trigger's full token to its owner only: ours is the one with our description and a full token.
  const triggers = (await readPages((page) => listTriggers(ctx.gitlab, project.id, page), { maxPages: 20 }))
    .items;
  let trigger = triggers.find((t) => t.description === TRIGGER_DESCRIPTION && t.token.length > 12);
  if (trigger) {
    ctx.report({ step: "trigger token", outcome: "unchanged", detail: `"${TRIGGER_DESCRIPTION}" exists` });
  } else {
    trigger = await createTrigger(ctx.gitlab, project.id, TRIGGER_DESCRIPTION);
    ctx.report({ step: "trigger token", outcome: "created", detail: `"${TRIGGER_DESCRIPTION}"` });
  }
  const base = `${ctx.options.gitlabUrl}/api/v4/projects/${project.id}/ref/${encodeURIComponent(defaultBranch)}/trigger/pipeline`;
  const url = `${base}?token=${trigger.token}`;
  const hooks = await allHooks(ctx.gitlab, project.id);
  const hook = hooks.find((h) => h.url.split("?")[0] === base);
  if (!hook) {
    await createHook(ctx.gitlab, project.id, { url });
    ctx.report({
      step: STEP,
      outcome: "created",
      detail: `${base}?token=[trigger token]: Comments and Confidential comments`,
    });
  } else if (!eventsRight(hook, false) || hook.url !== url) {
    await updateHook(ctx.gitlab, project.id, hook.id, { url });
    ctx.report({
      step: STEP,
      outcome: "updated",
      detail: `${base}?token=[trigger token]: Comments and Confidential comments`,
    });
  } else {
    ctx.report({ step: STEP, outcome: "unchanged", detail: `${base}?token=[trigger token] gets comments` });
  }
}

async function allHooks(gl: GitLabRequester, projectId: number): Promise<Hook[]> {
  return (await readPages((page) => listProjectHooks(gl, projectId, page), { maxPages: 20 })).items;
}
