// Which of a project's CI/CD variables a pipeline sees, by GitLab's rules: protected variables only on
// protected refs (a protected branch, by name or wildcard), and only those scoped to every environment.
// https://docs.gitlab.com/ci/variables/#protect-a-cicd-variable
import type { Project } from "../state/model.ts";

export interface ProjectVariableSet {
  values: Record<string, { value: string; file: boolean }>;
  masked: string[];
}

/** Whether a branch matches one of the project's protected branch names or wildcards (`release/*`). */
export function isProtectedBranch(project: Project, branch: string): boolean {
  return project.protectedBranches.some((p) =>
    new RegExp(`^${p.name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(branch),
  );
}

/**
 * The project's CI/CD variables a pipeline on this ref sees: protected ones only on protected refs, and only
 * those for every environment (`*`), since sandbox jobs have no environment.
 */
export function projectVariableSet(project: Project, refProtected: boolean): ProjectVariableSet {
  const set: ProjectVariableSet = { values: {}, masked: [] };
  for (const v of project.variables) {
    if (v.protected && !refProtected) continue;
    if (v.environment_scope !== "*") continue;
    set.values[v.key] = { value: v.value, file: v.variable_type === "file" };
    if (v.masked) set.masked.push(v.value);
  }
  return set;
}
