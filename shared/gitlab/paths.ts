// REST v4 path helpers. A project is addressed by its numeric id or by its full path, which must be
// URL-encoded as one segment ("group/sub/project" → "group%2Fsub%2Fproject").
// https://docs.gitlab.com/api/rest/#namespaced-paths
import type { NoteableType } from "./webhook-schema.ts";

/** The noteable types the bridge answers on: the ones with notes under /issues or /merge_requests. */
export type ThreadNoteableType = Extract<NoteableType, "Issue" | "MergeRequest">;

export function projectPath(project: number | string): string {
  return `/projects/${encodeURIComponent(String(project))}`;
}

export function noteablePath(
  project: number | string,
  noteableType: ThreadNoteableType,
  iid: number,
): string {
  const collection = noteableType === "Issue" ? "issues" : "merge_requests";
  return `${projectPath(project)}/${collection}/${iid}`;
}

export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}
