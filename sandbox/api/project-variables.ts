// A project's CI/CD variables, with GitLab's rules for keys, masked values and environment scopes.
// https://docs.gitlab.com/api/project_level_variables/
import { ApiError, badRequest, notFound } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type ProjectVariable } from "../state/model.ts";

export function registerProjectVariables(r: RouteRegistrar): void {
  const variableJson = (v: ProjectVariable): ProjectVariable => ({ ...v });

  r.get("/projects/:id/variables", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const page = paginate(project.variables.map(variableJson), ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.post("/projects/:id/variables", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const key = ctx.body.requiredString("key");
    if (!/^[A-Za-z0-9_]+$/.test(key)) {
      throw badRequest({ key: ["can contain only letters, digits and '_'."] });
    }
    const value = ctx.body.string("value");
    if (value === undefined) throw new ApiError(400, { error: "value is missing" });
    const masked = ctx.body.bool("masked") ?? false;
    if (masked && (value.length < 8 || /\s/.test(value))) {
      throw badRequest({ value: ["is invalid"] });
    }
    const scope = ctx.body.string("environment_scope") ?? "*";
    if (project.variables.some((v) => v.key === key && v.environment_scope === scope)) {
      throw badRequest({ key: [`(${key}) has already been taken`] });
    }
    const variable: ProjectVariable = {
      key,
      value,
      masked,
      protected: ctx.body.bool("protected") ?? false,
      variable_type: ctx.body.oneOf("variable_type", ["env_var", "file"] as const) ?? "env_var",
      environment_scope: scope,
      raw: ctx.body.bool("raw") ?? false,
      description: ctx.body.string("description") ?? null,
    };
    project.variables.push(variable);
    return json(variableJson(variable), 201);
  });

  r.put("/projects/:id/variables/:key", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const variable = project.variables.find((v) => v.key === ctx.params["key"]);
    if (!variable) throw notFound("Variable");
    const value = ctx.body.string("value");
    if (value !== undefined) variable.value = value;
    const masked = ctx.body.bool("masked");
    if (masked !== undefined) variable.masked = masked;
    const prot = ctx.body.bool("protected");
    if (prot !== undefined) variable.protected = prot;
    return json(variableJson(variable));
  });

  r.delete("/projects/:id/variables/:key", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const index = project.variables.findIndex((v) => v.key === ctx.params["key"]);
    if (index === -1) throw notFound("Variable");
    project.variables.splice(index, 1);
    return { status: 204 };
  });
}
