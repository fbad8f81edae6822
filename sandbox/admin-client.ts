// A small client for setting up a sandbox (or a real GitLab) through the REST API, for tests, the demo and
// scripts: users with tokens, a project with members, files, hooks and triggers. It only uses GitLab's own
// endpoints, so the same setup works against a real instance with an admin token.

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class RestClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.baseUrl}/api/v4${path}`, {
      method,
      headers: {
        "PRIVATE-TOKEN": this.token,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text !== "") parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Like call, but throws unless the answer is 2xx: for setup steps that must work. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, body);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  }
}

export interface SandboxUser {
  id: number;
  username: string;
  token: string;
  client: RestClient;
}

export const projectPath = (path: string): string => encodeURIComponent(path);

/** Creates a user with an `api` + `write_repository` token. */
export async function createUser(
  admin: RestClient,
  username: string,
  options: { bot?: boolean } = {},
): Promise<SandboxUser> {
  const user = await admin.ok<{ id: number }>("POST", "/users", {
    username,
    name: username,
    email: `${username}@example.invalid`,
    password: "sandbox-password-1",
    skip_confirmation: true,
    ...(options.bot ? { bot: true } : {}),
  });
  const token = await admin.ok<{ token: string }>("POST", `/users/${user.id}/personal_access_tokens`, {
    name: `${username}-token`,
    scopes: ["api", "write_repository"],
  });
  return { id: user.id, username, token: token.token, client: new RestClient(admin.baseUrl, token.token) };
}

/** Creates a project with a README and the given files on its default branch. */
export async function createProject(
  owner: RestClient,
  options: { path: string; namespace?: string; defaultBranch?: string; files?: Record<string, string> },
): Promise<{ id: number; path_with_namespace: string; default_branch: string; http_url_to_repo: string }> {
  const project = await owner.ok<{
    id: number;
    path_with_namespace: string;
    default_branch: string;
    http_url_to_repo: string;
  }>("POST", "/projects", {
    name: options.path,
    path: options.path,
    initialize_with_readme: true,
    ...(options.namespace ? { namespace_id: options.namespace } : {}),
    ...(options.defaultBranch ? { default_branch: options.defaultBranch } : {}),
  });
  const files = Object.entries(options.files ?? {});
  if (files.length > 0) {
    await owner.ok("POST", `/projects/${project.id}/repository/commits`, {
      branch: project.default_branch,
      commit_message: "Add project files",
      actions: files.map(([file_path, content]) => ({ action: "create", file_path, content })),
    });
  }
  return project;
}

export async function addMember(
  admin: RestClient,
  projectId: number,
  userId: number,
  accessLevel: number,
): Promise<void> {
  await admin.ok("POST", `/projects/${projectId}/members`, { user_id: userId, access_level: accessLevel });
}
