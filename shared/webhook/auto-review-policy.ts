// Whether a Merge Request Hook asks for an automatic review (AUTO_REVIEW): a pure decision on the payload, no
// calls. A review runs when a merge request is opened, when it is marked ready (an update whose `changes`
// take `draft` from true to false), and with on_push after a push to it (an update that carries `oldrev`,
// GitLab's MergeRequests::RefreshService hook); never for a draft, a closed or merged one, a change by the
// bridge's own user, or a project AUTO_REVIEW_PROJECTS leaves out. Payload shapes: GitLab's "Merge request
// events" (docs user/project/integrations/webhook_events.md), Gitlab::DataBuilder::Issuable.
// The run is dispatched on the default branch like a mention's (the bot token and the model key are
// protected variables, which a merge request pipeline of an unprotected branch does not get); its summary
// note is found by the placeholder marker's "auto_review" trigger and edited (shared/placeholder/find.ts).
//
//   const decision = decideAutoReview(hook, settings, bridgeUserId);
//   if (decision.action === "review") decision.assistant, decision.reason, decision.triggerKey;
import type { WebhookSettings } from "../config/webhook-settings.ts";
import type { MergeRequestHook } from "../gitlab/issuable-hook-schema.ts";
import type { Assistant } from "../mention/index.ts";
import { isProjectAllowed } from "./policy.ts";

export type AutoReviewSettings = Pick<
  WebhookSettings,
  | "autoReview"
  | "autoReviewProjects"
  | "assignmentAssistant"
  | "enabledAssistants"
  | "allowedProjects"
  | "allowedGroups"
>;

export type AutoReviewDecision =
  | { action: "ignore"; reason: string }
  | {
      action: "review";
      assistant: Assistant;
      noteableIid: number;
      /** What made it due: opened, marked ready, or pushed to. */
      reason: "open" | "ready" | "push";
      /** The merge request's head commit, when the hook names it: a review of that commit runs once. */
      headSha: string | undefined;
      /** The review's identity: the merge request and its head commit (a redelivery has the same). */
      triggerKey: string;
    };

export function decideAutoReview(
  hook: MergeRequestHook,
  settings: AutoReviewSettings,
  bridgeUserId?: number,
): AutoReviewDecision {
  const ignore = (reason: string): AutoReviewDecision => ({ action: "ignore", reason });
  if (settings.autoReview === "off") return ignore("AUTO_REVIEW is off");
  const mr = hook.object_attributes;
  if (mr.state !== undefined && mr.state !== null && mr.state !== "opened") {
    return ignore(`the merge request is ${mr.state}`);
  }
  if (mr.draft === true) return ignore("the merge request is a draft");
  if (bridgeUserId !== undefined && hook.user.id === bridgeUserId)
    return ignore("change by the bridge's user");
  const project = hook.project;
  if (!isProjectAllowed(project.path_with_namespace, project.id, settings)) {
    return ignore("project not in ALLOWED_PROJECTS or ALLOWED_GROUPS");
  }
  if (settings.autoReviewProjects.length > 0) {
    const names = [project.path_with_namespace.toLowerCase(), String(project.id)];
    if (!settings.autoReviewProjects.some((name) => names.includes(name))) {
      return ignore("project not in AUTO_REVIEW_PROJECTS");
    }
  }
  const assistant = settings.assignmentAssistant;
  if (!settings.enabledAssistants.includes(assistant)) {
    return ignore(`ASSIGNMENT_ASSISTANT ${assistant} is not in ENABLED_ASSISTANTS`);
  }

  let reason: "open" | "ready" | "push";
  if (mr.action === "open") reason = "open";
  else if (
    mr.action === "update" &&
    hook.changes.draft?.previous === true &&
    hook.changes.draft.current === false
  )
    reason = "ready";
  else if (mr.action === "update" && typeof mr.oldrev === "string" && mr.oldrev !== "") {
    if (settings.autoReview !== "on_push") return ignore("a push: AUTO_REVIEW on_push reviews those");
    reason = "push";
  } else return ignore(`merge request ${mr.action ?? "event"}: not opened, marked ready or pushed to`);

  const headSha = mr.last_commit?.id ?? undefined;
  return {
    action: "review",
    assistant,
    noteableIid: mr.iid,
    reason,
    headSha,
    triggerKey: `auto_review:${project.id}:${mr.iid}:${headSha ?? reason}`,
  };
}
