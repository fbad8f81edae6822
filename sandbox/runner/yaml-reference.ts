// GitLab's `!reference [.job, key, …]` YAML tag: parsed into a marker, then replaced by the referenced value
// of the raw configuration (before `extends`, as GitLab does). References may nest, up to 10 levels.
import type { CollectionTag } from "yaml";
import type { Result } from "./ci-inputs.ts";

export class YamlReference {
  constructor(readonly path: unknown[]) {}
}

export const referenceTag: CollectionTag = {
  tag: "!reference",
  collection: "seq",
  resolve: (seq) => new YamlReference(seq.toJSON() as unknown[]),
};

const maxDepth = 10;

class BadReference extends Error {}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(path: unknown[]): string {
  return `!reference ${JSON.stringify(path)}`;
}

/** Replaces every `!reference` marker in the configuration by a copy of what it points to. */
export function resolveReferences(config: Record<string, unknown>): Result<Record<string, unknown>> {
  const resolve = (node: unknown, chain: string[]): unknown => {
    if (node instanceof YamlReference) {
      const label = describe(node.path);
      if (chain.includes(label)) throw new BadReference(`${label} is part of a circular chain`);
      if (chain.length >= maxDepth) throw new BadReference(`${label}: too many nested references`);
      if (node.path.length === 0 || !node.path.every((part) => typeof part === "string")) {
        throw new BadReference(`${label}: a reference is a list of keys`);
      }
      let target: unknown = config;
      for (const key of node.path as string[]) {
        if (!isMap(target) || !Object.hasOwn(target, key))
          throw new BadReference(`${label} could not be found`);
        target = target[key];
      }
      return resolve(target, [...chain, label]);
    }
    if (Array.isArray(node)) return node.map((item) => resolve(item, chain));
    if (isMap(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value, chain)]));
    }
    return node;
  };
  try {
    return { ok: true, value: resolve(config, []) as Record<string, unknown> };
  } catch (error) {
    if (error instanceof BadReference) return { ok: false, error: error.message };
    throw error;
  }
}
