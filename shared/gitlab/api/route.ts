// A GitLab REST v4 route as the api/ files declare it: method, path template and the page of GitLab's docs
// that defines it. Declaring a route registers it, so GITLAB_ROUTES (routes.ts) lists every route the
// product calls, and a test can hold that list against the sandbox. A path is filled from the template with
// each `:name` URL-encoded as one segment (a project's full path "group/project" → "group%2Fproject").
//
//   const GET_NOTE = route("GET", "/projects/:id/:noteable/:noteable_iid/notes/:note_id", "notes/#get-single-issue-note");
//   gl.request(GET_NOTE.method, GET_NOTE.path({ id, noteable: "issues", noteable_iid, note_id }), { schema });
import type { GitLabRequester, HttpMethod, RequestOptions } from "../client.ts";
import type { ThreadNoteableType } from "../paths.ts";

export type RouteParams = Readonly<Record<string, string | number>>;

export interface GitLabRoute {
  method: HttpMethod;
  /** e.g. /projects/:id/merge_requests/:merge_request_iid; `:noteable` stands for issues or merge_requests. */
  template: string;
  /** The page of https://docs.gitlab.com/api/ that defines it. */
  doc: string;
  /** The path for these parameters; every `:name` of the template must be given. */
  path(params: RouteParams): string;
}

const registered: GitLabRoute[] = [];

/** Every route declared so far, in declaration order (routes.ts imports every api/ file first). */
export function declaredRoutes(): readonly GitLabRoute[] {
  return registered;
}

export function route(method: HttpMethod, template: string, doc: string): GitLabRoute {
  const declared: GitLabRoute = {
    method,
    template,
    doc: `https://docs.gitlab.com/api/${doc}`,
    path: (params) =>
      template.replace(/:([a-z_]+)/g, (_match, name: string) => {
        const value = params[name];
        if (value === undefined) throw new TypeError(`GitLab route ${template}: no value for :${name}`);
        return encodeURIComponent(String(value));
      }),
  };
  registered.push(declared);
  return declared;
}

/** One call of a route: the only way the api/ files reach the client. */
export function call<T>(
  gl: GitLabRequester,
  target: GitLabRoute,
  params: RouteParams,
  options: RequestOptions<T> = {},
): Promise<T> {
  return gl.request(target.method, target.path(params), options);
}

/** The `:noteable` segment of a noteable's routes. */
export function noteableSegment(type: ThreadNoteableType): string {
  return type === "Issue" ? "issues" : "merge_requests";
}

/** A signal, when there is one, as request options take it. */
export function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
