// Notes (comments) on issues and merge requests: GET|POST /projects/:id/(issues|merge_requests)/:iid/notes and
// GET|PUT|DELETE .../notes/:note_id, with GitLab's sorting, internal notes, and author-only edits.
// https://docs.gitlab.com/api/notes/
import { fireUpdated, snapshotIssuable } from "../hooks/issuable-hooks.ts";
import { ApiError, forbidden, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Note, type User } from "../state/model.ts";
import { noteJson } from "./note-serialize.ts";
import {
  createNote,
  deleteNote,
  noteBodyErrors,
  noteValidationError,
  notesInOrder,
  readNoteBody,
  updateNoteBody,
} from "./note-service.ts";
import {
  applyQuickActions,
  extractCommands,
  noteCommandsJson,
  type QuickActionResult,
} from "./quick-actions.ts";
import type { Extraction } from "./quick-action-extractor.ts";
import { canSeeInternalNotes, levelOf, loadNoteable, NOTEABLE_KINDS, type Noteable } from "./noteables.ts";

/** Whether `user` may read this note: internal notes need Reporter (Planner on issues) or authorship. */
export function canReadNote(sb: SandboxServices, noteable: Noteable, note: Note, user: User): boolean {
  return !note.internal || note.author_id === user.id || canSeeInternalNotes(sb, noteable, user);
}

export function findNote(ctx: RequestContext, noteable: Noteable, param = "note_id"): Note {
  const raw = ctx.params[param] ?? "";
  if (!/^\d+$/.test(raw)) throw new ApiError(400, { error: `${param} is invalid` });
  const note = ctx.sb.state.notes.get(Number(raw));
  if (
    !note ||
    note.noteable_type !== noteable.type ||
    note.noteable_id !== noteable.record.id ||
    !canReadNote(ctx.sb, noteable, note, ctx.requireUser())
  ) {
    throw notFound("Note");
  }
  return note;
}

/** `internal`, or its older name `confidential`; setting it needs Reporter (Planner on issues). */
export function readInternalFlag(ctx: RequestContext, noteable: Noteable): boolean {
  const internal = ctx.body.bool("internal") ?? ctx.body.bool("confidential") ?? false;
  if (internal && !canSeeInternalNotes(ctx.sb, noteable, ctx.requireUser())) throw forbidden();
  return internal;
}

/** `created_at` for imports: honoured for admins and project owners only, as GitLab does. */
export function readCreatedAt(ctx: RequestContext, noteable: Noteable): string | undefined {
  const raw = ctx.body.string("created_at");
  if (raw === undefined) return undefined;
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed)) throw new ApiError(400, { error: "created_at is invalid" });
  const user = ctx.requireUser();
  return levelOf(ctx.sb, noteable.project, user) >= ACCESS.owner ? new Date(parsed).toISOString() : undefined;
}

/**
 * Quick actions of a note: Notes::QuickActionsService runs them through the issue or merge request update
 * service, which fires its Issue or Merge Request Hook (an /assign in a comment is an assignment).
 */
export async function applyNoteQuickActions(
  sb: SandboxServices,
  noteable: Noteable,
  user: User,
  extraction: Extraction,
): Promise<QuickActionResult> {
  const before = snapshotIssuable(noteable);
  const result = await applyQuickActions(sb, noteable, user, extraction, { persisted: true });
  if (extraction.commands.length > 0) await fireUpdated(sb, noteable, user, before);
  return result;
}

/**
 * An edit runs quick actions too (Notes::UpdateService): the command lines leave the body, and a body of only
 * commands deletes the note and answers 202 with the commands' outcome. Null when the note stays.
 */
export async function editNoteWithQuickActions(
  sb: SandboxServices,
  noteable: Noteable,
  note: Note,
  user: User,
  body: string,
): Promise<Record<string, unknown> | null> {
  const extraction = extractCommands(body);
  if (extraction.commands.length > 0 && extraction.content === "") {
    const result = await applyNoteQuickActions(sb, noteable, user, extraction);
    deleteNote(sb, note);
    return noteCommandsJson(result);
  }
  await updateNoteBody(sb, noteable, note, user, extraction.content);
  await applyNoteQuickActions(sb, noteable, user, extraction);
  return null;
}

export function registerNotes(r: RouteRegistrar): void {
  for (const kind of NOTEABLE_KINDS) {
    const base = `/projects/:id/${kind}/:noteable_id/notes`;

    r.get(base, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const orderBy = ctx.body.oneOf("order_by", ["created_at", "updated_at"] as const) ?? "created_at";
      const sort = ctx.body.oneOf("sort", ["asc", "desc"] as const) ?? "desc";
      const filter = ctx.body.oneOf("activity_filter", [
        "all_notes",
        "only_comments",
        "only_activity",
      ] as const);
      const notes = notesInOrder(ctx.sb, noteable)
        .filter((n) => canReadNote(ctx.sb, noteable, n, user))
        .filter((n) =>
          filter === "only_comments" ? !n.system : filter === "only_activity" ? n.system : true,
        )
        .sort((a, b) => {
          const d = a[orderBy].localeCompare(b[orderBy]) || a.id - b.id;
          return sort === "asc" ? d : -d;
        });
      const page = paginate(notes, ctx.query, ctx.url);
      return json(
        page.items.map((n) => noteJson(ctx.sb, n)),
        200,
        page.headers,
      );
    });

    r.get(`${base}/:note_id`, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      return json(noteJson(ctx.sb, findNote(ctx, noteable)));
    });

    r.post(base, async (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const body = readNoteBody(ctx.body, "notes");
      const internal = readInternalFlag(ctx, noteable);
      const createdAt = readCreatedAt(ctx, noteable);
      // Quick actions run as the author; a body of only commands stores no note and answers 202 with
      // Entities::NoteCommands (API::Helpers::NotesHelpers#process_note_creation_result). The
      // `merge_request_diff_head_sha` that guards /merge is accepted and ignored.
      const extraction = extractCommands(body);
      if (extraction.commands.length > 0 && extraction.content === "") {
        const result = await applyNoteQuickActions(ctx.sb, noteable, user, extraction);
        return json(noteCommandsJson(result), 202);
      }
      const note = await createNote(ctx.sb, noteable, user, {
        body: extraction.content,
        internal,
        ...(createdAt === undefined ? {} : { createdAt }),
      });
      await applyNoteQuickActions(ctx.sb, noteable, user, extraction);
      return json(noteJson(ctx.sb, note), 201);
    });

    r.put(`${base}/:note_id`, async (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const note = findNote(ctx, noteable);
      const body = ctx.body.string("body");
      const hasInternal = ctx.body.has("internal") || ctx.body.has("confidential");
      if (body === undefined && !hasInternal) {
        throw new ApiError(400, {
          error: "body, confidential are missing, at least one parameter must be provided",
        });
      }
      if (note.system || (note.author_id !== user.id && !user.admin)) throw forbidden();
      if (body !== undefined) {
        const errors = noteBodyErrors(body);
        if (errors) throw noteValidationError(errors, "notes");
        const edited = await editNoteWithQuickActions(ctx.sb, noteable, note, user, body);
        if (edited !== null) return json(edited, 202);
      }
      return json(noteJson(ctx.sb, note));
    });

    r.delete(`${base}/:note_id`, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const note = findNote(ctx, noteable);
      // The author, or a Maintainer (GitLab's admin_note); system notes cannot be deleted.
      const allowed =
        note.author_id === user.id || levelOf(ctx.sb, noteable.project, user) >= ACCESS.maintainer;
      if (note.system || !allowed) throw forbidden();
      deleteNote(ctx.sb, note);
      return { status: 204 };
    });
  }
}
