// The doctor's reads of GitLab, with the bot's own token and through the product's GitLab layer, so the
// answers are what the receiver and the job will meet. A failed read is kept as a fact too (Fetched): a 403
// says what the bot may not see. Lists go through the one paginator, up to a cap no real project reaches.
import { getTokenSelf, type TokenSelf } from "../../shared/gitlab/api/access-tokens.ts";
import {
  listHookEvents,
  listProjectHooks,
  type Hook,
  type HookEvent,
} from "../../shared/gitlab/api/hooks.ts";
import { getMemberAccessLevel } from "../../shared/gitlab/api/members.ts";
import { getProject, type Project } from "../../shared/gitlab/api/projects.ts";
import { getRepositoryFileText } from "../../shared/gitlab/api/repository-files.ts";
import { getCurrentUser, type User } from "../../shared/gitlab/api/users.ts";
import {
  listGroupVariables,
  listProjectVariables,
  type Variable,
} from "../../shared/gitlab/api/variables.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { readPages, type Page, type PageRequest } from "../../shared/gitlab/paginate.ts";
import { readCiConfig } from "./ci-config.ts";
import type { CiFile, Fetched, VariableFacts } from "./types.ts";

// A project with more than this many pages of variables or hooks is beyond what a doctor needs to read.
const MAX_PAGES = 10;

export async function fetched<T>(promise: Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

async function all<T>(fetchPage: (request: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  return (await readPages(fetchPage, { maxPages: MAX_PAGES })).items;
}

export function readUser(gl: GitLabRequester): Promise<Fetched<User>> {
  return fetched(getCurrentUser(gl));
}

/** Only for the scopes and expiry: an OAuth or job token has no such record, and that is no problem. */
export function readToken(gl: GitLabRequester): Promise<Fetched<TokenSelf>> {
  return fetched(getTokenSelf(gl));
}

export function readProject(gl: GitLabRequester, project: string): Promise<Fetched<Project>> {
  return fetched(getProject(gl, project));
}

export function readAccess(
  gl: GitLabRequester,
  project: Project,
  user: User,
): Promise<Fetched<number | null>> {
  return fetched(getMemberAccessLevel(gl, project.id, user.id));
}

export function readHooks(gl: GitLabRequester, project: Project): Promise<Fetched<Hook[]>> {
  return fetched(all((page) => listProjectHooks(gl, project.id, page)));
}

/** Each comment hook's latest deliveries (one page), by hook id: what the receiver answered them. */
export async function readHookEvents(
  gl: GitLabRequester,
  project: Project,
  hooks: Fetched<Hook[]>,
): Promise<Map<number, Fetched<HookEvent[]>>> {
  const comment = hooks.ok ? hooks.value.filter((h) => h.note_events) : [];
  const answers = await Promise.all(
    comment.map(async (hook) => {
      const events = await fetched(listHookEvents(gl, project.id, hook.id, { page: 1, perPage: 20 }));
      return [hook.id, events.ok ? { ok: true as const, value: events.value.items } : events] as const;
    }),
  );
  return new Map(answers);
}

export async function readVariables(gl: GitLabRequester, project: Project): Promise<VariableFacts> {
  const facts: VariableFacts = {
    project: await fetched(all((page) => listProjectVariables(gl, project.id, page))),
    groups: [],
    unreadableGroups: [],
  };
  // Variables set on the project's groups reach its jobs too (the quickstart suggests it for several
  // projects); each ancestor group is asked, nearest first.
  const namespace = project.namespace;
  if (namespace?.kind !== "group") return facts;
  const parts = namespace.full_path.split("/");
  const groups = parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
  const answers = await Promise.all(
    groups.map((group) => fetched<Variable[]>(all((page) => listGroupVariables(gl, group, page)))),
  );
  answers.forEach((answer, i) => {
    const group = groups[i] ?? "";
    if (answer.ok) facts.groups.push({ group, variables: answer.value });
    else facts.unreadableGroups.push(group);
  });
  return facts;
}

export async function readCiFile(
  gl: GitLabRequester,
  project: Project,
  ref: string | undefined,
): Promise<CiFile | undefined> {
  if (ref === undefined) return undefined;
  const configured = project.ci_config_path?.trim() ?? "";
  const path = configured === "" ? ".gitlab-ci.yml" : configured;
  // "file.yml@group/project" or a URL: the configuration lives elsewhere.
  if (path.includes("@") || /^https?:\/\//i.test(path)) return { path, ref, external: true };
  const answer = await fetched(getRepositoryFileText(gl, project.id, path, ref));
  if (!answer.ok) return { path, ref, error: answer.error };
  return { path, ref, content: answer.value, config: readCiConfig(answer.value) };
}
