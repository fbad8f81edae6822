// A project's webhooks: the doctor checks that one of them sends note events to the receiver (and reads a
// hook's logged deliveries, whose answers say whether the receiver accepted the hook's secret); setup makes
// or mends that one. https://docs.gitlab.com/api/project_webhooks/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { call, route } from "./route.ts";

export const HookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  note_events: z.boolean().nullish(),
  confidential_note_events: z.boolean().nullish(),
  issues_events: z.boolean().nullish(),
  confidential_issues_events: z.boolean().nullish(),
  merge_requests_events: z.boolean().nullish(),
  push_events: z.boolean().nullish(),
  alert_status: z.string().nullish(),
  disabled_until: z.string().nullish(),
});
export type Hook = z.infer<typeof HookSchema>;

const PROJECT_HOOKS = route("GET", "/projects/:id/hooks", "project_webhooks/#list-webhooks-for-a-project");

export function listProjectHooks(
  gl: GitLabRequester,
  projectId: number | string,
  page: PageRequest,
): Promise<Page<Hook>> {
  return getPage(gl, PROJECT_HOOKS.path({ id: projectId }), z.array(HookSchema), page);
}

/** One logged delivery (API::Entities::WebHookLog); the secret token in its headers is "[REDACTED]". */
export const HookEventSchema = z.object({
  id: z.number().int(),
  trigger: z.string().nullish(),
  /** The receiver's HTTP status, or GitLab's text for no answer ("internal error", a timeout). */
  response_status: z.union([z.number(), z.string()]).nullish(),
  created_at: z.string().nullish(),
});
export type HookEvent = z.infer<typeof HookEventSchema>;

const HOOK_EVENTS = route(
  "GET",
  "/projects/:id/hooks/:hook_id/events",
  "project_webhooks/#list-webhook-events",
);

/** The hook's latest logged deliveries, newest first (GitLab keeps them a few days; 20 a page at most). */
export function listHookEvents(
  gl: GitLabRequester,
  projectId: number | string,
  hookId: number,
  page: PageRequest,
): Promise<Page<HookEvent>> {
  return getPage(gl, HOOK_EVENTS.path({ id: projectId, hook_id: hookId }), z.array(HookEventSchema), page);
}

const ADD_HOOK = route("POST", "/projects/:id/hooks", "project_webhooks/#add-a-webhook-to-a-project");
const EDIT_HOOK = route("PUT", "/projects/:id/hooks/:hook_id", "project_webhooks/#edit-a-project-webhook");
const DELETE_HOOK = route(
  "DELETE",
  "/projects/:id/hooks/:hook_id",
  "project_webhooks/#delete-project-webhook",
);

/**
 * The events the bridge needs, and no others: a receiver has no use for pushes. `issuables` adds the Issue,
 * Confidential Issue and Merge Request events the receiver's issue and merge request triggers act on; the
 * trigger mode's hook leaves them out, since its job answers comments only.
 */
export interface HookWrite {
  url: string;
  token?: string;
  issuables?: boolean;
}

function hookBody(hook: HookWrite): Record<string, unknown> {
  return {
    url: hook.url,
    ...(hook.token === undefined ? {} : { token: hook.token }),
    note_events: true,
    confidential_note_events: true,
    ...(hook.issuables === true
      ? { issues_events: true, confidential_issues_events: true, merge_requests_events: true }
      : {}),
    push_events: false,
    enable_ssl_verification: true,
  };
}

export function createHook(gl: GitLabRequester, projectId: number, hook: HookWrite): Promise<Hook> {
  return call(gl, ADD_HOOK, { id: projectId }, { json: hookBody(hook), schema: HookSchema });
}

export function updateHook(
  gl: GitLabRequester,
  projectId: number,
  hookId: number,
  hook: HookWrite,
): Promise<Hook> {
  return call(
    gl,
    EDIT_HOOK,
    { id: projectId, hook_id: hookId },
    { json: hookBody(hook), schema: HookSchema },
  );
}

export function deleteHook(gl: GitLabRequester, projectId: number, hookId: number): Promise<unknown> {
  return call(gl, DELETE_HOOK, { id: projectId, hook_id: hookId });
}
