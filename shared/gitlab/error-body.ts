// GitLab's error bodies, in every shape its endpoints answer, made one readable line for GitLabApiError.
// https://docs.gitlab.com/api/rest/troubleshooting/
import { z } from "zod";

/**
 * An error body. GitLab answers `{"message": "404 Not Found"}`, `{"message": {"base": ["..."], "name": ["..."]}}`,
 * `{"message": ["..."]}` or `{"error": "...", "error_description": "..."}` depending on the endpoint.
 */
export const ErrorBodySchema = z.object({
  message: z
    .union([
      z.string(),
      z.array(z.string()),
      z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    ])
    .optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** One readable line out of any of GitLab's error body shapes; undefined when there is none. */
export function errorBodyMessage(body: unknown): string | undefined {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { message, error, error_description } = parsed.data;
  if (typeof message === "string") return message;
  if (Array.isArray(message)) return message.join("; ");
  if (message) {
    // "base" holds messages about the whole record; other keys name the field they are about.
    const parts = Object.entries(message).flatMap(([field, value]) =>
      (Array.isArray(value) ? value : [value]).map((text) => (field === "base" ? text : `${field} ${text}`)),
    );
    if (parts.length > 0) return parts.join("; ");
  }
  if (error && error_description) return `${error}: ${error_description}`;
  return error ?? error_description;
}
