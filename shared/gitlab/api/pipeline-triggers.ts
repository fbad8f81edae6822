// A project's pipeline trigger tokens: in trigger mode setup points the webhook at the trigger URL with one
// of them. The token is a secret; nothing here logs. https://docs.gitlab.com/api/pipeline_triggers/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { call, route } from "./route.ts";

export const TriggerSchema = z.object({
  id: z.number().int(),
  description: z.string().nullish(),
  token: z.string(),
});
export type Trigger = z.infer<typeof TriggerSchema>;

const TRIGGERS = route("GET", "/projects/:id/triggers", "pipeline_triggers/#list-project-trigger-tokens");
const CREATE_TRIGGER = route("POST", "/projects/:id/triggers", "pipeline_triggers/#create-a-trigger-token");

export function listTriggers(
  gl: GitLabRequester,
  projectId: number,
  page: PageRequest,
): Promise<Page<Trigger>> {
  return getPage(gl, TRIGGERS.path({ id: projectId }), z.array(TriggerSchema), page);
}

export function createTrigger(gl: GitLabRequester, projectId: number, description: string): Promise<Trigger> {
  return call(gl, CREATE_TRIGGER, { id: projectId }, { json: { description }, schema: TriggerSchema });
}
