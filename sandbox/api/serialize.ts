// JSON shapes of users and projects as GitLab's API returns them (the fields clients rely on).
import type { SandboxServices } from "../services.ts";
import type { Namespace, Project, User } from "../state/model.ts";

export function userBasic(sb: SandboxServices, user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: "active",
    locked: false,
    avatar_url: null,
    web_url: `${sb.baseUrl}/${user.username}`,
  };
}

/** API::Entities::User (lib/api/entities/user.rb): UserBasic plus the public profile, `bot` among it. */
export function userPublic(sb: SandboxServices, user: User): Record<string, unknown> {
  return { ...userBasic(sb, user), public_email: null, bot: user.bot };
}

export function userFull(sb: SandboxServices, user: User): Record<string, unknown> {
  return {
    ...userBasic(sb, user),
    email: user.email,
    public_email: null,
    bot: user.bot,
    is_admin: user.admin,
    created_at: user.created_at,
  };
}

export function namespaceJson(ns: Namespace): Record<string, unknown> {
  return { id: ns.id, name: ns.name, path: ns.path, kind: ns.kind, full_path: ns.full_path, parent_id: null };
}

export function projectJson(sb: SandboxServices, p: Project): Record<string, unknown> {
  const web = `${sb.baseUrl}/${p.path_with_namespace}`;
  return {
    id: p.id,
    name: p.name,
    path: p.path,
    description: p.description,
    name_with_namespace: `${p.namespace.name} / ${p.name}`,
    path_with_namespace: p.path_with_namespace,
    default_branch: p.default_branch,
    visibility: p.visibility,
    web_url: web,
    http_url_to_repo: `${web}.git`,
    ssh_url_to_repo: `git@127.0.0.1:${p.path_with_namespace}.git`,
    readme_url: null,
    namespace: namespaceJson(p.namespace),
    created_at: p.created_at,
    creator_id: p.creator_id,
    forked_from_project: p.forked_from_project_id === null ? undefined : { id: p.forked_from_project_id },
    ci_config_path: p.ci_config_path,
    ci_pipeline_variables_minimum_override_role: p.ci_pipeline_variables_minimum_override_role,
    ci_job_token_scope_enabled: true,
    archived: false,
    empty_repo: false,
    _links: {
      self: `${sb.baseUrl}/api/v4/projects/${p.id}`,
      issues: `${sb.baseUrl}/api/v4/projects/${p.id}/issues`,
      merge_requests: `${sb.baseUrl}/api/v4/projects/${p.id}/merge_requests`,
    },
  };
}
