// CI/CD variables of a project and of its groups, read without their values: the doctor only needs to know
// which keys are set. https://docs.gitlab.com/api/project_level_variables/ https://docs.gitlab.com/api/group_level_variables/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { route } from "./route.ts";

// No `value` field: zod drops it, so a variable's value never outlives the HTTP answer.
export const VariableSchema = z.object({
  key: z.string(),
  masked: z.boolean().nullish(),
  variable_type: z.string().nullish(),
  environment_scope: z.string().nullish(),
});
export type Variable = z.infer<typeof VariableSchema>;

const PROJECT_VARIABLES = route(
  "GET",
  "/projects/:id/variables",
  "project_level_variables/#list-project-variables",
);
const GROUP_VARIABLES = route("GET", "/groups/:id/variables", "group_level_variables/#list-group-variables");

export function listProjectVariables(
  gl: GitLabRequester,
  projectId: number | string,
  page: PageRequest,
): Promise<Page<Variable>> {
  return getPage(gl, PROJECT_VARIABLES.path({ id: projectId }), z.array(VariableSchema), page);
}

/** A group by numeric id or full path. */
export function listGroupVariables(
  gl: GitLabRequester,
  group: number | string,
  page: PageRequest,
): Promise<Page<Variable>> {
  return getPage(gl, GROUP_VARIABLES.path({ id: group }), z.array(VariableSchema), page);
}
