// A project's recent events: the sweep reads its "commented on" events, each with the note it made, to find
// mentions no delivery brought. https://docs.gitlab.com/api/events/#list-a-projects-visible-events
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { route } from "./route.ts";

export const NoteEventSchema = z.object({
  id: z.number().int(),
  action_name: z.string(),
  target_type: z.string().nullish(),
  created_at: z.string(),
  note: z
    .object({
      id: z.number().int(),
      type: z.string().nullish(),
      body: z.string(),
      author: z.object({ id: z.number().int(), username: z.string() }),
      system: z.boolean().nullish(),
      internal: z.boolean().nullish(),
      noteable_type: z.string().nullish(),
      noteable_iid: z.number().int().nullish(),
      created_at: z.string(),
    })
    .nullish(),
});
export type NoteEvent = z.infer<typeof NoteEventSchema>;

const PROJECT_EVENTS = route("GET", "/projects/:id/events", "events/#list-a-projects-visible-events");

/**
 * One page of the project's "commented" events created after `after` (a date, exclusive as GitLab has it),
 * newest first.
 */
export function listCommentEvents(
  gl: GitLabRequester,
  ref: { projectId: number | string; after: string },
  page: PageRequest,
): Promise<Page<NoteEvent>> {
  return getPage(gl, PROJECT_EVENTS.path({ id: ref.projectId }), z.array(NoteEventSchema), page, {
    action: "commented",
    after: ref.after,
    sort: "desc",
  });
}
