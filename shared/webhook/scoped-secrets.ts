// Per-project and per-group webhook secrets, without a store: each hook's secret token is an HMAC of one
// key the receiver holds (WEBHOOK_SECRET_KEY) and the hook's scope, a project id or a group path. GitLab
// holds only derived secrets, so a secret that leaks (from a hook's settings, a log, a person) opens one
// project or one group, never every connected one, and the key itself never leaves the receiver.
//
// The payload names the project, and anyone may write any payload; so the secret a delivery is checked
// against is derived from the project the payload claims, and the scope that matched travels with the task:
// - a project secret matched: the task's project id is the one the secret was derived for, and the worker
//   acts on that id only;
// - a group secret matched (a group hook, one token for all its projects): the payload's path only chose
//   which group secrets to try; the worker reads the project by id from GitLab and refuses it unless GitLab
//   puts it under that group.
// A secret of WEBHOOK_SECRET (the one shared secret) opens every project, as before.
import { createHmac } from "node:crypto";
// zod/mini: the receiver puts the scope in the task (shared/config/env-values.ts says why).
import * as z from "zod/mini";

/** What the secret a delivery was verified with may open. */
export const SecretScopeSchema = z.union([
  z.object({ kind: z.literal("instance") }),
  z.object({ kind: z.literal("project"), projectId: z.int() }),
  z.object({ kind: z.literal("group"), groupPath: z.string().check(z.minLength(1)) }),
]);
export type SecretScope = z.infer<typeof SecretScopeSchema>;

export const INSTANCE_SCOPE: SecretScope = { kind: "instance" };

/** Derived secrets start with this, so a person (and doctor) can tell one from a shared secret. */
export const DERIVED_SECRET_PREFIX = "abw1_";

/** The secret token of the webhook of one project (by id) or one group (by full path, any case). */
export function deriveWebhookSecret(
  key: string,
  scope: { projectId: number } | { groupPath: string },
): string {
  const label =
    "projectId" in scope ? `project\0${scope.projectId}` : `group\0${normalizeGroupPath(scope.groupPath)}`;
  const mac = createHmac("sha256", key).update(`agent-bridge webhook secret v1\0${label}`, "utf8").digest();
  return `${DERIVED_SECRET_PREFIX}${mac.toString("base64url")}`;
}

export function normalizeGroupPath(path: string): string {
  return path
    .trim()
    .replace(/^\/+|\/+$/g, "")
    .toLowerCase();
}

/** A secret to try, with what it opens when it matches. */
export interface ScopedSecret {
  scope: SecretScope;
  secret: string;
}

/**
 * The derived secrets a delivery may carry, from the project it claims: that project's own, and those of
 * every group above it by the path it claims (a/b/app: groups a and a/b), for each key (several while one is
 * rotated). Empty when the payload names no project: nothing to derive from.
 */
export function candidateSecrets(keys: readonly string[], json: unknown): ScopedSecret[] {
  const project = claimedProject(json);
  if (!project) return [];
  const scopes: Array<{ projectId: number } | { groupPath: string }> = [{ projectId: project.id }];
  const segments = normalizeGroupPath(project.path ?? "")
    .split("/")
    .filter(Boolean);
  // GitLab nests groups 20 deep at most; a longer path is no real payload, and must not cost more HMACs.
  for (let depth = 1; depth < Math.min(segments.length, 21); depth++) {
    scopes.push({ groupPath: segments.slice(0, depth).join("/") });
  }
  return keys.flatMap((key) =>
    scopes.map((scope) => ({
      scope:
        "projectId" in scope
          ? { kind: "project" as const, projectId: scope.projectId }
          : { kind: "group" as const, groupPath: scope.groupPath },
      secret: deriveWebhookSecret(key, scope),
    })),
  );
}

function claimedProject(json: unknown): { id: number; path: string | undefined } | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const project = (json as { project?: unknown }).project;
  if (typeof project !== "object" || project === null) return undefined;
  const { id, path_with_namespace: path } = project as { id?: unknown; path_with_namespace?: unknown };
  if (typeof id !== "number" || !Number.isSafeInteger(id)) return undefined;
  return { id, path: typeof path === "string" ? path : undefined };
}

/**
 * Why the project GitLab returned is outside what the delivery's secret opens, or null when it is inside.
 * The project is GitLab's answer for the task's project id, never the payload.
 */
export function scopeRefusal(
  scope: SecretScope,
  project: { id: number; path_with_namespace: string },
): string | null {
  if (scope.kind === "instance") return null;
  if (scope.kind === "project") {
    return project.id === scope.projectId ? null : "the delivery's secret is another project's";
  }
  const path = normalizeGroupPath(project.path_with_namespace);
  return path.startsWith(`${normalizeGroupPath(scope.groupPath)}/`)
    ? null
    : "the delivery's secret is a group's the project is not in (as GitLab says)";
}
