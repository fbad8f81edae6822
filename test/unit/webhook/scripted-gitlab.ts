// A GitLabClient for unit tests of claim, dispatch and the handler's ordering: answers come from route
// handlers written in the test, every call is recorded with its round trip number (calls started before any
// earlier call finished share a round), and nothing touches the network. The handler's behaviour against a
// GitLab-like server over real HTTP is the sandbox integration test's job.
import type { GitLabClient, HttpMethod, RequestOptions } from "../../../shared/gitlab/client.ts";
import { GitLabApiError } from "../../../shared/gitlab/gitlab-api-error.ts";

export interface ScriptedCall {
  method: HttpMethod;
  path: string;
  options: RequestOptions<unknown>;
  round: number;
}

export type Route = (call: ScriptedCall) => unknown;

export function apiError(status: number, message: string, method = "GET", path = "/"): GitLabApiError {
  return new GitLabApiError({
    status,
    method,
    path,
    message,
    kind: status === 0 ? "timeout" : "http",
    attempts: 1,
  });
}

/** The note's author as GET /users/:id answers for a person (not a bot), unless a test scripts it. */
const DEFAULT_ROUTES: Record<string, Route> = {
  "GET /users/(\\d+)": (call) => ({
    id: Number(call.path.split("/").at(-1)),
    username: "someone",
    bot: false,
  }),
};

export function scriptedGitLab(routes: Record<string, Route>) {
  const calls: ScriptedCall[] = [];
  let lastFinishedRound = 0;
  const client: GitLabClient = {
    async request<T>(method: HttpMethod, path: string, options: RequestOptions<T> = {}): Promise<T> {
      const call: ScriptedCall = {
        method,
        path,
        options: options as RequestOptions<unknown>,
        round: lastFinishedRound + 1,
      };
      calls.push(call);
      // Let every call that starts in the same turn start before any answer arrives.
      await new Promise((resolve) => setImmediate(resolve));
      lastFinishedRound = Math.max(lastFinishedRound, call.round);
      const key = `${method} ${path}`;
      const route = [...Object.entries(routes), ...Object.entries(DEFAULT_ROUTES)].find(([pattern]) =>
        new RegExp(`^${pattern}$`).test(key),
      )?.[1];
      if (!route) throw apiError(599, `no scripted route for ${key}`, method, path);
      const answer = route(call);
      if (answer instanceof Error) throw answer;
      return (options.schema ? options.schema.parse(answer) : answer) as T;
    },
    withDeadline() {
      return client;
    },
  };
  return {
    client,
    calls,
    /** "METHOD path" of each call, in order. */
    log: () => calls.map((c) => `${c.method} ${c.path}`),
    rounds: () => Math.max(0, ...calls.map((c) => c.round)),
  };
}

export const award = (id: number, userId: number, createdAt: string) => ({
  id,
  name: "eyes",
  user: { id: userId, username: userId === 4242 ? "bridge" : "someone" },
  created_at: createdAt,
});

export const note = (id: number, authorId: number, body: string) => ({
  id,
  body,
  author: { id: authorId, username: authorId === 4242 ? "bridge" : "someone" },
  created_at: "2024-05-01T10:00:00Z",
});

export const pipeline = (id: number) => ({
  id,
  status: "created",
  ref: "master",
  web_url: `http://x/-/pipelines/${id}`,
});
