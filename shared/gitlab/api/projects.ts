// A project: its default branch (the job never pushes there), what the doctor reads of its settings, and the
// settings setup changes. https://docs.gitlab.com/api/projects/#get-a-single-project
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { call, route } from "./route.ts";

export const ProjectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string(),
  web_url: z.string().nullish(),
  default_branch: z.string().nullish(),
  ci_config_path: z.string().nullish(),
  // Both are shown to Maintainers only (GitLab's API::Entities::Project, admin_project): absent otherwise.
  ci_pipeline_variables_minimum_override_role: z.string().nullish(),
  restrict_user_defined_variables: z.boolean().nullish(),
  namespace: z.object({ kind: z.string().nullish(), full_path: z.string() }).nullish(),
  permissions: z
    .object({
      project_access: z.object({ access_level: z.number().int() }).nullish(),
      group_access: z.object({ access_level: z.number().int() }).nullish(),
    })
    .nullish(),
});
export type Project = z.infer<typeof ProjectSchema>;

const PROJECT = route("GET", "/projects/:id", "projects/#get-a-single-project");

/** A project by numeric id or full path. */
export function getProject(gl: GitLabRequester, projectId: number | string): Promise<Project> {
  return call(gl, PROJECT, { id: projectId }, { schema: ProjectSchema });
}

const EDIT_PROJECT = route("PUT", "/projects/:id", "projects/#edit-a-project");

/** Changes project settings (setup: the pipeline-variables role of trigger mode); Maintainers only. */
export function updateProject(
  gl: GitLabRequester,
  projectId: number,
  settings: Readonly<Record<string, string>>,
): Promise<Project> {
  return call(gl, EDIT_PROJECT, { id: projectId }, { json: settings, schema: ProjectSchema });
}

const PROJECTS = route("GET", "/projects", "projects/#list-a-users-projects");

/** One page of the projects the token's user is a member of, active since `activeAfter` (ISO time). */
export function listMemberProjects(
  gl: GitLabRequester,
  ref: { activeAfter: string },
  page: PageRequest,
): Promise<Page<Project>> {
  return getPage(gl, PROJECTS.path({}), z.array(ProjectSchema), page, {
    membership: true,
    simple: true,
    last_activity_after: ref.activeAfter,
  });
}
