// `$VAR` / `${VAR}` references inside CI/CD variable values, expanded the way GitLab does before a job
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
 * Expands every value of `variables` against `outer` (the environment they are layered on) and each other. A
 * reference to a sibling gets the sibling's expanded value (GitLab orders them by dependency); a value that
 * comes from `outer` is used as is, never expanded again; a reference cycle stops at the raw value.
 */
export function expandVariables(
  variables: Readonly<Record<string, string>>,
  outer: Readonly<Record<string, string>>,
): Record<string, string> {
  const expanded = new Map<string, string>();
  const expanding = new Set<string>();
  const expand = (name: string): string => {
    const done = expanded.get(name);
    if (done !== undefined) return done;
    const raw = variables[name] as string;
    if (expanding.has(name)) return raw;
    expanding.add(name);
    const value = expandReferences(raw, (ref) => {
      if (ref !== name && Object.hasOwn(variables, ref)) return expand(ref);
      return Object.hasOwn(outer, ref) ? outer[ref] : undefined;
    });
    expanding.delete(name);
    expanded.set(name, value);
    return value;
  };
  return Object.fromEntries(Object.keys(variables).map((name) => [name, expand(name)]));
}
