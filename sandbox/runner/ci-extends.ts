// The `extends:` keyword: a job inherits one or more other (usually hidden) jobs, merged the way GitLab does:
// mappings merge key by key, recursively; anything else (strings, lists such as `script` or `rules`) is replaced.
import type { Result } from "./ci-inputs.ts";

const maxNesting = 11;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = Object.hasOwn(base, key) ? deepMerge(base[key], value) : value;
  }
  return merged;
}

class ExtendsError extends Error {}

/** Resolves `extends` on the given top-level entries; the result has no `extends` keys left. */
export function resolveExtends(
  config: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Result<Record<string, Record<string, unknown>>> {
  const done = new Map<string, Record<string, unknown>>();

  const resolve = (name: string, stack: string[]): Record<string, unknown> => {
    const cached = done.get(name);
    if (cached) return cached;
    const entry = config[name];
    if (!isMap(entry))
      throw new ExtendsError(`\`${stack.at(-1) ?? name}\`: unknown keys in \`extends\` (${name})`);
    if (stack.includes(name))
      throw new ExtendsError(`\`${name}\`: circular dependency detected in \`extends\``);
    if (stack.length >= maxNesting) throw new ExtendsError(`\`${name}\`: nesting too deep in \`extends\``);
    const { extends: parents, ...own } = entry;
    let merged: Record<string, unknown> = {};
    if (parents !== undefined) {
      const list = typeof parents === "string" ? [parents] : parents;
      if (!Array.isArray(list) || !list.every((p): p is string => typeof p === "string")) {
        throw new ExtendsError(`jobs:${name}:extends should be a string or an array of strings`);
      }
      for (const parent of list) {
        if (!isMap(config[parent]))
          throw new ExtendsError(`\`${name}\`: unknown keys in \`extends\` (${parent})`);
        merged = deepMerge(merged, resolve(parent, [...stack, name])) as Record<string, unknown>;
      }
    }
    merged = deepMerge(merged, own) as Record<string, unknown>;
    done.set(name, merged);
    return merged;
  };

  try {
    const out: Record<string, Record<string, unknown>> = {};
    for (const name of names) out[name] = resolve(name, []);
    return { ok: true, value: out };
  } catch (error) {
    if (error instanceof ExtendsError) return { ok: false, error: error.message };
    throw error;
  }
}
