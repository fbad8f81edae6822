// Helpers for the api/ files' zod schemas: only the fields the bridge reads are declared and unknown ones
// are dropped, so a newer GitLab that adds fields never breaks a parse. https://docs.gitlab.com/api/rest/
import { z } from "zod";

/**
 * A list whose malformed entries are dropped (renovate's LooseArray): where the job reads a list for context,
 * one odd note never costs the agent the whole page.
 */
export function looseArray<T extends z.ZodType>(item: T): z.ZodType<z.infer<T>[]> {
  return z.array(z.unknown()).transform((entries) =>
    entries.flatMap((entry) => {
      const parsed = item.safeParse(entry);
      return parsed.success ? [parsed.data as z.infer<T>] : [];
    }),
  );
}

/** A text field GitLab may send as null: the empty string then. */
export const text = z
  .string()
  .nullish()
  .transform((value) => value ?? "");

/** An author, assignee or resolver as GitLab nests it. */
export const UserRefSchema = z.object({ id: z.number().int().nullish(), username: z.string() });

/** Labels are names, or objects with `with_labels_details=true`. */
export const LabelsSchema = z
  .array(z.union([z.string(), z.object({ name: z.string() }).transform((label) => label.name)]))
  .nullish()
  .transform((labels) => labels ?? []);
