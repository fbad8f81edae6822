// JSON of notes, threads (discussions) and award emoji as GitLab's API returns them (API::Entities::Note,
// Discussion, AwardEmoji): `resolved*` only on resolvable notes, `position` only on diff notes.
import type { SandboxServices } from "../services.ts";
import type { AwardEmoji, DiffPosition, Note } from "../state/model.ts";
import { userBasic } from "./serialize.ts";

function userOrGhost(sb: SandboxServices, id: number | null): Record<string, unknown> | null {
  if (id === null) return null;
  const user = sb.state.users.get(id);
  return user ? userBasic(sb, user) : { id, username: "ghost", name: "Ghost User", state: "active" };
}

export function positionJson(p: DiffPosition): Record<string, unknown> {
  return {
    base_sha: p.base_sha,
    start_sha: p.start_sha,
    head_sha: p.head_sha,
    old_path: p.old_path,
    new_path: p.new_path,
    position_type: p.position_type,
    old_line: p.old_line,
    new_line: p.new_line,
    line_range: p.line_range ?? null,
  };
}

export function noteJson(sb: SandboxServices, note: Note): Record<string, unknown> {
  return {
    id: note.id,
    type: note.type,
    body: note.body,
    attachment: null,
    author: userOrGhost(sb, note.author_id),
    created_at: note.created_at,
    updated_at: note.updated_at,
    system: note.system,
    noteable_id: note.noteable_id,
    noteable_type: note.noteable_type,
    project_id: note.project_id,
    ...(note.type === "DiffNote" && note.position ? { position: positionJson(note.position) } : {}),
    resolvable: note.resolvable,
    ...(note.resolvable
      ? {
          resolved: note.resolved,
          resolved_by: note.resolved ? userOrGhost(sb, note.resolved_by_id) : null,
          resolved_at: note.resolved ? (note.resolved_at ?? null) : null,
        }
      : {}),
    confidential: note.internal,
    internal: note.internal,
    imported: false,
    imported_from: "none",
    noteable_iid: note.noteable_iid,
    commands_changes: {},
  };
}

/** A thread: a plain note is a discussion of its own with `individual_note: true`. */
export function discussionJson(sb: SandboxServices, notes: readonly Note[]): Record<string, unknown> {
  const first = notes[0];
  return {
    id: first?.discussion_id ?? "",
    individual_note: notes.length === 1 && first?.type === null,
    notes: notes.map((n) => noteJson(sb, n)),
  };
}

export function awardJson(sb: SandboxServices, award: AwardEmoji): Record<string, unknown> {
  return {
    id: award.id,
    name: award.name,
    user: userOrGhost(sb, award.user_id),
    created_at: award.created_at,
    updated_at: award.updated_at,
    awardable_id: award.awardable_id,
    awardable_type: award.awardable_type,
    url: null,
  };
}
