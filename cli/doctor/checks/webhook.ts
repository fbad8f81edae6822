// The webhook check: a project webhook sends comments and confidential comments to the receiver, GitLab
// has not disabled it after failed deliveries, and the receiver accepted its secret: GitLab never shows a
// hook's secret token, but its delivery log shows what the receiver answered, and a 401 there is a secret
// the receiver does not hold (with per-project secrets, most often another project's).
import type { Hook, HookEvent } from "../../../shared/gitlab/api/hooks.ts";
import { describeError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { curl, projectApi, webhookFixes } from "../snippets.ts";
import type { CheckResult, Context, Fetched } from "../types.ts";
import { botRole, httpStatus, list, redactUrl } from "../wording.ts";

// GitLab turns a hook off after failed deliveries: for a while, then for good.
function isDisabled(hook: Hook, now: number): boolean {
  if (hook.alert_status === "disabled" || hook.alert_status === "temporarily_disabled") return true;
  return hook.disabled_until ? Date.parse(hook.disabled_until) > now : false;
}

/** The hook's latest delivery, when the receiver refused it as unauthenticated. */
function refusedSecret(events: Fetched<HookEvent[]> | undefined): HookEvent | undefined {
  const latest = events?.ok ? events.value[0] : undefined;
  return latest !== undefined && Number(latest.response_status) === 401 ? latest : undefined;
}

export function webhookCheck(
  ctx: Context,
  hooks: Fetched<Hook[]>,
  events: ReadonlyMap<number, Fetched<HookEvent[]>> = new Map(),
): CheckResult {
  const base = { id: "webhook", title: "webhook" } as const;
  if (!hooks.ok) {
    const why =
      httpStatus(hooks.error) === 403
        ? `GitLab shows them to Maintainers; @${ctx.user.username} is ${botRole(ctx)}`
        : describeError(hooks.error);
    return {
      ...base,
      status: "warn",
      finding: `cannot list the project's webhooks (${why}); one must send "Comments" and "Confidential comments" to the receiver (or a group webhook must)`,
      fix: webhookFixes(ctx),
    };
  }
  const named = (hook: Hook) => redactUrl(hook.url);
  const comments = hooks.value.filter((h) => h.note_events);
  const now = ctx.options.now();
  const working = comments.filter((h) => !isDisabled(h, now));
  const complete = working.filter((h) => h.confidential_note_events);
  const refused = complete.filter((h) => refusedSecret(events.get(h.id)) !== undefined);
  if (refused.length > 0 && refused.length === complete.length) {
    const hook = refused[0]!;
    return {
      ...base,
      status: "fail",
      finding: `the receiver answered the latest delivery of ${list(refused.map(named))} with 401: it does not accept the hook's secret token, so no mention is served`,
      fix: [
        `Secret token: with per-project secrets, the one \`agent-bridge webhook-secret --project ${ctx.project.id}\` prints with the receiver's WEBHOOK_SECRET_KEY; otherwise the receiver's WEBHOOK_SECRET (or run \`agent-bridge setup\` again, which sets it)`,
        `UI: Settings > Webhooks > Edit (${named(hook)}): Secret token, then Test > Comments`,
        `API: ${curl("PUT", projectApi(ctx, `/hooks/${hook.id}`), ["url=<the hook's URL>", "token=<the secret>"])}`,
      ],
    };
  }
  if (complete.length > 0) {
    return {
      ...base,
      status: "ok",
      finding: `comments and confidential comments go to ${list(complete.map(named))}`,
      fix: [],
    };
  }
  const hook = working[0];
  if (hook) {
    return {
      ...base,
      status: "warn",
      finding: `${list(working.map(named))} gets comments but not confidential comments: mentions on confidential issues and internal notes go unanswered`,
      fix: [
        `UI: Settings > Webhooks > Edit (${named(hook)}): tick "Confidential comments"`,
        `API: ${curl("PUT", projectApi(ctx, `/hooks/${hook.id}`), ["url=<the hook's URL>", "confidential_note_events=true"])}`,
      ],
    };
  }
  if (comments.length > 0) {
    return {
      ...base,
      status: "warn",
      finding: `GitLab disabled the comment webhook ${list(comments.map(named))} after failed deliveries`,
      fix: [
        "UI: Settings > Webhooks > Edit > Recent events: see why the deliveries failed (receiver down, wrong secret), fix it, then Test > Comments to enable it again",
      ],
    };
  }
  const others =
    hooks.value.length === 0
      ? "the project has no webhooks"
      : `its webhooks (${list(hooks.value.map(named))}) do not send comments`;
  return {
    ...base,
    status: "warn",
    finding: `no project webhook sends comments: ${others} (a group webhook, which this check cannot see, may cover it)`,
    fix: webhookFixes(ctx),
  };
}
