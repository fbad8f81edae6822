// CI/CD variables of a project and of its groups, read without their values: the doctor only needs to know
// which keys are set. Setup reads the project's with their values (to leave a right one as it is) and writes
// them; those values never leave setup, and nothing here logs.
// https://docs.gitlab.com/api/project_level_variables/ https://docs.gitlab.com/api/group_level_variables/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { call, route } from "./route.ts";

// No `value` field: zod drops it, so a variable's value never outlives the HTTP answer.
export const VariableSchema = z.object({
  key: z.string(),
  masked: z.boolean().nullish(),
  protected: z.boolean().nullish(),
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

/** A project variable with its value, for setup only. */
export const VariableWithValueSchema = VariableSchema.extend({
  value: z.string().nullish(),
  protected: z.boolean().nullish(),
  hidden: z.boolean().nullish(),
});
export type VariableWithValue = z.infer<typeof VariableWithValueSchema>;

export function listProjectVariablesWithValues(
  gl: GitLabRequester,
  projectId: number,
  page: PageRequest,
): Promise<Page<VariableWithValue>> {
  return getPage(gl, PROJECT_VARIABLES.path({ id: projectId }), z.array(VariableWithValueSchema), page);
}

const CREATE_VARIABLE = route(
  "POST",
  "/projects/:id/variables",
  "project_level_variables/#create-a-variable",
);
const UPDATE_VARIABLE = route(
  "PUT",
  "/projects/:id/variables/:key",
  "project_level_variables/#update-a-variable",
);

export interface VariableWrite {
  key: string;
  value: string;
  masked: boolean;
  protected: boolean;
}

export function createVariable(
  gl: GitLabRequester,
  projectId: number,
  v: VariableWrite,
): Promise<VariableWithValue> {
  return call(
    gl,
    CREATE_VARIABLE,
    { id: projectId },
    {
      json: { ...v, variable_type: "env_var", environment_scope: "*", raw: true },
      schema: VariableWithValueSchema,
    },
  );
}

export function updateVariable(
  gl: GitLabRequester,
  projectId: number,
  v: VariableWrite,
): Promise<VariableWithValue> {
  return call(
    gl,
    UPDATE_VARIABLE,
    { id: projectId, key: v.key },
    {
      json: { value: v.value, masked: v.masked, protected: v.protected, raw: true },
      query: { "filter[environment_scope]": "*" },
      schema: VariableWithValueSchema,
    },
  );
}
