// A project's webhooks, as the doctor checks that one of them sends note events to the receiver.
// https://docs.gitlab.com/api/project_webhooks/#list-webhooks-for-a-project
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { route } from "./route.ts";

export const HookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  note_events: z.boolean().nullish(),
  confidential_note_events: z.boolean().nullish(),
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
