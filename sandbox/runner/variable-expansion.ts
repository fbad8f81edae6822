// `$VAR` / `${VAR}` references inside CI/CD variable values, expanded once the way GitLab does before a job
// starts: an unknown variable becomes "", `$$` is a literal `$`, and a variable that names itself
// (`PATH: "$PATH:/opt/bin"`) sees the value it had before.

const reference = /\$\$|\$\{(\w+)\}|\$(\w+)/g;

/** Replaces the references in one value; lookup returns undefined for an unknown variable. */
export function expandReferences(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(reference, (text, braced: string | undefined, bare: string | undefined) => {
    if (text === "$$") return "$";
    return lookup((braced ?? bare) as string) ?? "";
  });
}

/**
 * Expands every value of `variables` once against `outer` (the environment they are layered on) and the raw
 * values of `variables` themselves.
 */
export function expandVariables(
  variables: Readonly<Record<string, string>>,
  outer: Readonly<Record<string, string>>,
): Record<string, string> {
  const expanded: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    expanded[name] = expandReferences(value, (ref) => {
      if (ref !== name && Object.hasOwn(variables, ref)) return variables[ref];
      return Object.hasOwn(outer, ref) ? outer[ref] : undefined;
    });
  }
  return expanded;
}
