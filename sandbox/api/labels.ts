// Labels on issues and merge requests as GitLab's API takes them (`labels`, `add_labels`, `remove_labels`),
// and the system note GitLab writes when they change. Shared by the issue, merge request and quick action
// routes, so none of them imports another's.
import type { ParamReader } from "../http/params.ts";
import { labelReference } from "./noteables.ts";

/** `labels` as GitLab reads it: a comma-separated string or an array; names trimmed, duplicates dropped. */
export function readLabels(params: ParamReader, name: string): string[] | undefined {
  const list = params.list(name);
  if (list === undefined) return undefined;
  const out: string[] = [];
  for (const item of list) {
    for (const part of String(item).split(",")) {
      const label = part.trim();
      if (label !== "" && !out.some((l) => l.toLowerCase() === label.toLowerCase())) out.push(label);
    }
  }
  return out;
}

/** GitLab's system note for a label change: "added ~a ~b labels and removed ~c label". */
export function labelChangeNote(added: readonly string[], removed: readonly string[]): string | null {
  const part = (verb: string, names: readonly string[]): string =>
    `${verb} ${names.map(labelReference).join(" ")} ${names.length === 1 ? "label" : "labels"}`;
  const parts = [];
  if (added.length > 0) parts.push(part("added", added));
  if (removed.length > 0) parts.push(part("removed", removed));
  return parts.length === 0 ? null : parts.join(" and ");
}

/** Applies labels/add_labels/remove_labels to `current`; returns the new list and what changed. */
export function applyLabelParams(
  params: ParamReader,
  current: readonly string[],
): { labels: string[]; added: string[]; removed: string[] } {
  const lower = (l: string): string => l.toLowerCase();
  let labels = readLabels(params, "labels") ?? [...current];
  for (const l of readLabels(params, "add_labels") ?? []) {
    if (!labels.some((x) => lower(x) === lower(l))) labels.push(l);
  }
  const remove = (readLabels(params, "remove_labels") ?? []).map(lower);
  labels = labels.filter((l) => !remove.includes(lower(l)));
  const added = labels.filter((l) => !current.some((c) => lower(c) === lower(l)));
  const removed = current.filter((c) => !labels.some((l) => lower(l) === lower(c)));
  return { labels, added, removed };
}
