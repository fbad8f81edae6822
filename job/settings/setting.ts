// One declaration per job variable: its name (the key), group, schema and doc, written once. The settings
// loaders parse a group with the schema derived from its declarations; the docs table
// (docs/configuration.md) and `agent-bridge run --help` are derived from the same declarations.
import { z } from "zod";
import type { SettingDoc } from "../../shared/config/setting-doc.ts";

export type JobSettingGroup = "gitlab" | "event" | "agent" | "claude" | "codex" | "trigger";

export interface JobSettingDoc extends SettingDoc {
  group: JobSettingGroup;
  /** A secret: store it as a masked (and protected) CI/CD variable. */
  secret?: boolean;
}

/** A variable as declared: the doc, and how its value is read (none: another part of the job reads it). */
// Any zod schema, classic or zod/mini: the shared fields (shared/config/env-values.ts) are built on zod/mini.
export interface Setting<S extends z.core.$ZodType = z.core.$ZodType> {
  required?: boolean;
  secret?: boolean;
  description: string;
  /** The default as a person would write it, or null when there is none. */
  default: string | null;
  schema?: S;
}

type Declared = Readonly<Record<string, Setting>>;
/** The variables of a group that the loaders parse: those declared with a schema. */
type ShapeOf<D extends Declared> = {
  [K in keyof D as D[K] extends { schema: z.core.$ZodType } ? K : never]: D[K] extends {
    schema: infer S extends z.core.$ZodType;
  }
    ? S
    : z.ZodNever;
};

/** A group's declarations, keyed by variable name in the order the docs list them. */
export function declare<const D extends Declared>(declarations: D): D {
  return declarations;
}

/** The zod object that reads a group: one field per declared schema, nothing else of the environment. */
export function schemaOf<const D extends Declared>(declared: D): z.ZodObject<ShapeOf<D>> {
  const shape = Object.fromEntries(
    Object.entries(declared).flatMap(([name, setting]) => (setting.schema ? [[name, setting.schema]] : [])),
  );
  return z.object(shape) as unknown as z.ZodObject<ShapeOf<D>>;
}

/** The doc rows of a group, in declaration order. */
export function docsOf(group: JobSettingGroup, declared: Declared): JobSettingDoc[] {
  return Object.entries(declared).map(([name, setting]) => ({
    name,
    group,
    required: setting.required ?? false,
    ...(setting.secret ? { secret: true } : {}),
    description: setting.description,
    default: setting.default,
  }));
}
