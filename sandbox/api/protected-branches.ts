// A project's protected branches: who may push and merge, and whether force pushes are allowed (the git side
// enforces them: ../git/protected-branches.ts). https://docs.gitlab.com/api/protected_branches/
import { ApiError, notFound } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { ACCESS, type Project } from "../state/model.ts";

export function registerProtectedBranches(r: RouteRegistrar): void {
  const protectedJson = (p: Project["protectedBranches"][number]): Record<string, unknown> => ({
    id: p.id,
    name: p.name,
    push_access_levels: [
      { access_level: p.push_access_level, access_level_description: describe(p.push_access_level) },
    ],
    merge_access_levels: [
      { access_level: p.merge_access_level, access_level_description: describe(p.merge_access_level) },
    ],
    allow_force_push: p.allow_force_push,
    code_owner_approval_required: false,
  });

  r.get("/projects/:id/protected_branches", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    return json(project.protectedBranches.map(protectedJson));
  });

  r.post("/projects/:id/protected_branches", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const name = ctx.body.requiredString("name");
    if (project.protectedBranches.some((p) => p.name === name)) {
      throw new ApiError(409, { message: "Protected branch 'name' has already been taken" });
    }
    const entry = {
      id: ctx.sb.state.nextId("protected"),
      name,
      push_access_level: ctx.body.int("push_access_level") ?? ACCESS.maintainer,
      merge_access_level: ctx.body.int("merge_access_level") ?? ACCESS.maintainer,
      allow_force_push: ctx.body.bool("allow_force_push") ?? false,
    };
    project.protectedBranches.push(entry);
    return json(protectedJson(entry), 201);
  });

  r.delete("/projects/:id/protected_branches/:name", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const index = project.protectedBranches.findIndex((p) => p.name === ctx.params["name"]);
    if (index === -1) throw notFound();
    project.protectedBranches.splice(index, 1);
    return { status: 204 };
  });
}

function describe(level: number): string {
  return level === 0 ? "No one" : level >= 40 ? "Maintainers" : "Developers + Maintainers";
}
