// The Maintainer-side GitLab calls `agent-bridge setup` makes on a project: its settings, project access
// tokens, CI/CD variables, webhooks, pipeline trigger tokens, protected branches, files, commits and merge
// requests. Each is one call over GitLabClient.request with the schema of the fields setup reads.
// Endpoints: https://docs.gitlab.com/api/projects/ /api/project_access_tokens/ /api/project_level_variables/
// /api/project_webhooks/ /api/pipeline_triggers/ /api/protected_branches/ /api/repository_files/
// /api/commits/#create-a-commit-with-multiple-files-and-actions /api/merge_requests/
// Variable values are read (setup compares them to keep a re-run from changing what is right) and never
// leave the caller; nothing here logs.
import { z } from "zod";
import type { GitLabRequester } from "./client.ts";
import { isGitLabApiError } from "./gitlab-api-error.ts";
import { projectPath, segment } from "./paths.ts";

export const AdminProjectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string(),
  web_url: z.string().nullish(),
  default_branch: z.string().nullish(),
  ci_config_path: z.string().nullish(),
  // Shown to Maintainers only (API::Entities::Project, admin_project).
  ci_pipeline_variables_minimum_override_role: z.string().nullish(),
  permissions: z
    .object({
      project_access: z.object({ access_level: z.number().int() }).nullish(),
      group_access: z.object({ access_level: z.number().int() }).nullish(),
    })
    .nullish(),
});
export type AdminProject = z.infer<typeof AdminProjectSchema>;

export const TokenSelfSchema = z.object({
  id: z.number().int(),
  name: z.string().nullish(),
  scopes: z.array(z.string()),
  active: z.boolean().nullish(),
  revoked: z.boolean().nullish(),
  expires_at: z.string().nullish(),
  user_id: z.number().int().nullish(),
});
export type TokenSelf = z.infer<typeof TokenSelfSchema>;

export const ProjectAccessTokenSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  user_id: z.number().int(),
  scopes: z.array(z.string()),
  access_level: z.number().int().nullish(),
  expires_at: z.string().nullish(),
  active: z.boolean().nullish(),
  revoked: z.boolean().nullish(),
  /** Only in the answer to the creation. */
  token: z.string().nullish(),
});
export type ProjectAccessToken = z.infer<typeof ProjectAccessTokenSchema>;

export const VariableSchema = z.object({
  key: z.string(),
  value: z.string().nullish(),
  masked: z.boolean().nullish(),
  protected: z.boolean().nullish(),
  hidden: z.boolean().nullish(),
  variable_type: z.string().nullish(),
  environment_scope: z.string().nullish(),
});
export type Variable = z.infer<typeof VariableSchema>;

export const HookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  note_events: z.boolean().nullish(),
  confidential_note_events: z.boolean().nullish(),
  push_events: z.boolean().nullish(),
});
export type Hook = z.infer<typeof HookSchema>;

export const TriggerSchema = z.object({
  id: z.number().int(),
  description: z.string().nullish(),
  token: z.string(),
});
export type Trigger = z.infer<typeof TriggerSchema>;

const AccessLevelsSchema = z.array(z.object({ access_level: z.number().int().nullish() })).nullish();
export const ProtectedBranchSchema = z.object({
  name: z.string(),
  push_access_levels: AccessLevelsSchema,
  merge_access_levels: AccessLevelsSchema,
});
export type ProtectedBranch = z.infer<typeof ProtectedBranchSchema>;

const FileSchema = z.object({ content: z.string(), encoding: z.string().nullish() });
const CommitSchema = z.object({ id: z.string(), web_url: z.string().nullish() });
export const MergeRequestRefSchema = z.object({
  iid: z.number().int(),
  web_url: z.string().nullish(),
  source_branch: z.string(),
  state: z.string().nullish(),
});
export type MergeRequestRef = z.infer<typeof MergeRequestRefSchema>;
const BranchSchema = z.object({ name: z.string() });

const PAGE = 100;
const MAX_PAGES = 20;

async function allPages<T>(gl: GitLabRequester, path: string, schema: z.ZodType<T>): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const batch = await gl.request("GET", path, { query: { per_page: PAGE, page }, schema: z.array(schema) });
    items.push(...batch);
    if (batch.length < PAGE) break;
  }
  return items;
}

/** undefined for a 404: the thing does not exist (or the caller may not see it). */
async function orMissing<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isGitLabApiError(error) && error.kind === "http" && error.status === 404) return undefined;
    throw error;
  }
}

export function getProject(gl: GitLabRequester, project: number | string): Promise<AdminProject> {
  return gl.request("GET", projectPath(project), { schema: AdminProjectSchema });
}

export function updateProject(
  gl: GitLabRequester,
  projectId: number,
  settings: Readonly<Record<string, string>>,
): Promise<AdminProject> {
  return gl.request("PUT", projectPath(projectId), { json: settings, schema: AdminProjectSchema });
}

/** GET /personal_access_tokens/self: answers for personal, project and group access tokens alike. */
export function getTokenSelf(gl: GitLabRequester): Promise<TokenSelf> {
  return gl.request("GET", "/personal_access_tokens/self", { schema: TokenSelfSchema });
}

export function createProjectAccessToken(
  gl: GitLabRequester,
  projectId: number,
  token: { name: string; scopes: readonly string[]; accessLevel: number; expiresAt: string },
): Promise<ProjectAccessToken> {
  return gl.request("POST", `${projectPath(projectId)}/access_tokens`, {
    json: {
      name: token.name,
      scopes: token.scopes,
      access_level: token.accessLevel,
      expires_at: token.expiresAt,
    },
    schema: ProjectAccessTokenSchema,
  });
}

export function revokeProjectAccessToken(
  gl: GitLabRequester,
  projectId: number,
  tokenId: number,
): Promise<unknown> {
  return gl.request("DELETE", `${projectPath(projectId)}/access_tokens/${segment(tokenId)}`);
}

export function listVariables(gl: GitLabRequester, projectId: number): Promise<Variable[]> {
  return allPages(gl, `${projectPath(projectId)}/variables`, VariableSchema);
}

export interface VariableWrite {
  key: string;
  value: string;
  masked: boolean;
  protected: boolean;
}

export function createVariable(gl: GitLabRequester, projectId: number, v: VariableWrite): Promise<Variable> {
  return gl.request("POST", `${projectPath(projectId)}/variables`, {
    json: { ...v, variable_type: "env_var", environment_scope: "*", raw: true },
    schema: VariableSchema,
  });
}

export function updateVariable(gl: GitLabRequester, projectId: number, v: VariableWrite): Promise<Variable> {
  return gl.request("PUT", `${projectPath(projectId)}/variables/${segment(v.key)}`, {
    json: { value: v.value, masked: v.masked, protected: v.protected, raw: true },
    query: { "filter[environment_scope]": "*" },
    schema: VariableSchema,
  });
}

export function listHooks(gl: GitLabRequester, projectId: number): Promise<Hook[]> {
  return allPages(gl, `${projectPath(projectId)}/hooks`, HookSchema);
}

/** The events the bridge needs, and no others: a receiver has no use for pushes. */
export interface HookWrite {
  url: string;
  token?: string;
}

function hookBody(hook: HookWrite): Record<string, unknown> {
  return {
    url: hook.url,
    ...(hook.token === undefined ? {} : { token: hook.token }),
    note_events: true,
    confidential_note_events: true,
    push_events: false,
    enable_ssl_verification: true,
  };
}

export function createHook(gl: GitLabRequester, projectId: number, hook: HookWrite): Promise<Hook> {
  return gl.request("POST", `${projectPath(projectId)}/hooks`, { json: hookBody(hook), schema: HookSchema });
}

export function updateHook(
  gl: GitLabRequester,
  projectId: number,
  hookId: number,
  hook: HookWrite,
): Promise<Hook> {
  return gl.request("PUT", `${projectPath(projectId)}/hooks/${segment(hookId)}`, {
    json: hookBody(hook),
    schema: HookSchema,
  });
}

export function deleteHook(gl: GitLabRequester, projectId: number, hookId: number): Promise<unknown> {
  return gl.request("DELETE", `${projectPath(projectId)}/hooks/${segment(hookId)}`);
}

export function listTriggers(gl: GitLabRequester, projectId: number): Promise<Trigger[]> {
  return allPages(gl, `${projectPath(projectId)}/triggers`, TriggerSchema);
}

export function createTrigger(gl: GitLabRequester, projectId: number, description: string): Promise<Trigger> {
  return gl.request("POST", `${projectPath(projectId)}/triggers`, {
    json: { description },
    schema: TriggerSchema,
  });
}

export function getProtectedBranch(
  gl: GitLabRequester,
  projectId: number,
  name: string,
): Promise<ProtectedBranch | undefined> {
  // The list, not GET .../protected_branches/:name: that one also matches wildcards, which setup wants too.
  return allPages(gl, `${projectPath(projectId)}/protected_branches`, ProtectedBranchSchema).then(
    (list) => list.find((p) => p.name === name) ?? list.find((p) => wildcardMatch(p.name, name)),
  );
}

function wildcardMatch(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return false;
  const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${source.join(".*")}$`).test(name);
}

export async function branchExists(gl: GitLabRequester, projectId: number, name: string): Promise<boolean> {
  const found = await orMissing(
    gl.request("GET", `${projectPath(projectId)}/repository/branches/${segment(name)}`, {
      schema: BranchSchema,
    }),
  );
  return found !== undefined;
}

/** A file's text on a ref; undefined when it does not exist there. */
export async function readFile(
  gl: GitLabRequester,
  projectId: number,
  path: string,
  ref: string,
): Promise<string | undefined> {
  const file = await orMissing(
    gl.request("GET", `${projectPath(projectId)}/repository/files/${segment(path)}`, {
      query: { ref },
      schema: FileSchema,
    }),
  );
  if (!file) return undefined;
  return file.encoding === "base64" ? Buffer.from(file.content, "base64").toString("utf8") : file.content;
}

export function commitFile(
  gl: GitLabRequester,
  projectId: number,
  commit: {
    branch: string;
    startBranch?: string;
    message: string;
    path: string;
    content: string;
    action: "create" | "update";
  },
): Promise<{ id: string }> {
  return gl.request("POST", `${projectPath(projectId)}/repository/commits`, {
    json: {
      branch: commit.branch,
      ...(commit.startBranch === undefined ? {} : { start_branch: commit.startBranch }),
      commit_message: commit.message,
      actions: [{ action: commit.action, file_path: commit.path, content: commit.content }],
    },
    schema: CommitSchema,
  });
}

export function findOpenMergeRequest(
  gl: GitLabRequester,
  projectId: number,
  sourceBranch: string,
): Promise<MergeRequestRef | undefined> {
  return gl
    .request("GET", `${projectPath(projectId)}/merge_requests`, {
      query: { state: "opened", source_branch: sourceBranch },
      schema: z.array(MergeRequestRefSchema),
    })
    .then((list) => list.find((mr) => mr.source_branch === sourceBranch));
}

export function createMergeRequest(
  gl: GitLabRequester,
  projectId: number,
  mr: { sourceBranch: string; targetBranch: string; title: string; description: string },
): Promise<MergeRequestRef> {
  return gl.request("POST", `${projectPath(projectId)}/merge_requests`, {
    json: {
      source_branch: mr.sourceBranch,
      target_branch: mr.targetBranch,
      title: mr.title,
      description: mr.description,
      remove_source_branch: true,
    },
    schema: MergeRequestRefSchema,
  });
}

const IssueRefSchema = z.object({ iid: z.number().int(), web_url: z.string().nullish() });

export function createIssue(
  gl: GitLabRequester,
  projectId: number,
  issue: { title: string; description: string },
): Promise<z.infer<typeof IssueRefSchema>> {
  return gl.request("POST", `${projectPath(projectId)}/issues`, { json: issue, schema: IssueRefSchema });
}
