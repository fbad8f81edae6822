// Threads on issues and merge requests: GET|POST /projects/:id/(issues|merge_requests)/:iid/discussions, replies,
// edits, resolving, and inline (diff) comments on merge requests with GitLab's position validation: the shas
// must be one of the merge request's versions and the line must be one that version's diff shows.
// https://docs.gitlab.com/api/discussions/
import { createHash } from "node:crypto";
import { findPositionLine } from "../git/diff-lines.ts";
import type { FileDiff } from "../git/file-diff.ts";
import { ApiError, forbidden, invalid, missing, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import type { Params } from "../http/params.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS, type DiffPosition, type MergeRequest, type Note, type User } from "../state/model.ts";
import { discussionJson, noteJson } from "./note-serialize.ts";
import {
  createNote,
  noteBodyErrors,
  noteValidationError,
  notesInOrder,
  readNoteBody,
  setResolved,
} from "./note-service.ts";
import {
  applyNoteQuickActions,
  canReadNote,
  editNoteWithQuickActions,
  findNote,
  readCreatedAt,
  readInternalFlag,
} from "./notes.ts";
import type { Extraction } from "./quick-action-extractor.ts";
import { extractCommands } from "./quick-actions.ts";
import { levelOf, loadNoteable, NOTEABLE_KINDS, type Noteable } from "./noteables.ts";
import { versionDiffs } from "./merge-request-git.ts";

const LINE_CODE_ERRORS = { line_code: ["can't be blank", "must be a valid line code"] };

/** The visible notes of each thread, threads in the order they were started. */
function discussionsOf(ctx: RequestContext, noteable: Noteable): Note[][] {
  const user = ctx.requireUser();
  const threads = new Map<string, Note[]>();
  for (const note of notesInOrder(ctx.sb, noteable)) {
    if (!canReadNote(ctx.sb, noteable, note, user)) continue;
    const list = threads.get(note.discussion_id);
    if (list) list.push(note);
    else threads.set(note.discussion_id, [note]);
  }
  return [...threads.values()];
}

function findDiscussion(ctx: RequestContext, noteable: Noteable): Note[] {
  const id = ctx.params["discussion_id"];
  const thread = discussionsOf(ctx, noteable).find((notes) => notes[0]?.discussion_id === id);
  if (!thread) throw notFound("Discussion");
  return thread;
}

/** GitLab's resolve_note: Developers and up, the merge request's author, or the note's author. */
function canResolve(ctx: RequestContext, noteable: Noteable, note: Note, user: User): boolean {
  return (
    levelOf(ctx.sb, noteable.project, user) >= ACCESS.developer ||
    noteable.record.author_id === user.id ||
    note.author_id === user.id
  );
}

function lineCode(path: string, oldPos: number, newPos: number): string {
  return `${createHash("sha1").update(path).digest("hex")}_${oldPos}_${newPos}`;
}

/**
 * GitLab's line code of a valid position: the sha1 of the file path, then the old and new line numbers, where
 * an added line takes the old side's next line number and a removed line the new side's (as in GitLab's diffs).
 */
function positionLineCode(files: readonly FileDiff[], pos: DiffPosition): string | null {
  const found = findPositionLine(files, pos);
  if (!found) return null;
  const path = found.file.deleted_file ? found.file.old_path : found.file.new_path;
  return lineCode(path, found.oldPos, found.newPos);
}

function positionInt(raw: Params, name: string): number | null {
  const v = raw[name];
  if (v === undefined || v === null || v === "") return null;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalid(`position[${name}]`);
  return n;
}

function positionString(raw: Params, name: string): string | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw invalid(`position[${name}]`);
}

/** Validates `position[...]` against the merge request as GitLab does; the position and its line code. */
async function readPosition(
  ctx: RequestContext,
  mr: MergeRequest,
  raw: Params,
): Promise<{ position: DiffPosition; lineCode: string }> {
  const shas: Record<"base_sha" | "start_sha" | "head_sha", string> = {
    base_sha: "",
    start_sha: "",
    head_sha: "",
  };
  for (const name of ["base_sha", "start_sha", "head_sha"] as const) {
    const v = positionString(raw, name);
    if (v === undefined || v === "") throw missing(`position[${name}]`);
    shas[name] = v;
  }
  const type = positionString(raw, "position_type");
  if (type === undefined || type === "") throw missing("position[position_type]");
  if (!["text", "image", "file"].includes(type))
    throw invalid("position[position_type]", "does not have a valid value");
  const position: DiffPosition = {
    ...shas,
    old_path: positionString(raw, "old_path") ?? "",
    new_path: positionString(raw, "new_path") ?? "",
    position_type: "text",
    old_line: positionInt(raw, "old_line"),
    new_line: positionInt(raw, "new_line"),
    ...(raw["line_range"] !== undefined && raw["line_range"] !== null
      ? { line_range: raw["line_range"] }
      : {}),
  };
  const rejected = (): ApiError => noteValidationError(LINE_CODE_ERRORS, "discussions");
  if (type !== "text" || position.old_path === "" || position.new_path === "") throw rejected();
  const version = mr.versions.find(
    (v) =>
      v.base_commit_sha === position.base_sha &&
      v.start_commit_sha === position.start_sha &&
      v.head_commit_sha === position.head_sha,
  );
  if (!version) throw rejected();
  const files = await versionDiffs(ctx.sb, mr, version);
  const code = positionLineCode(files, position);
  if (code === null) throw rejected();
  return { position, lineCode: code };
}

/**
 * The quick actions of a new thread note or reply. A body of only commands runs them and is then refused:
 * the discussions API checks `note.valid?` on the emptied note (lib/api/discussions.rb), which is blank.
 */
async function commandsOrBlank(ctx: RequestContext, noteable: Noteable, body: string): Promise<Extraction> {
  const extraction = extractCommands(body);
  if (extraction.commands.length > 0 && extraction.content === "") {
    await applyNoteQuickActions(ctx.sb, noteable, ctx.requireUser(), extraction);
    throw noteValidationError({ note: ["can't be blank"] }, "discussions");
  }
  return extraction;
}

export function registerDiscussions(r: RouteRegistrar): void {
  for (const kind of NOTEABLE_KINDS) {
    const base = `/projects/:id/${kind}/:noteable_id/discussions`;

    r.get(base, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const page = paginate(discussionsOf(ctx, noteable), ctx.query, ctx.url);
      return json(
        page.items.map((notes) => discussionJson(ctx.sb, notes)),
        200,
        page.headers,
      );
    });

    r.get(`${base}/:discussion_id`, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      return json(discussionJson(ctx.sb, findDiscussion(ctx, noteable)));
    });

    r.post(base, async (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const body = readNoteBody(ctx.body, "discussions");
      const internal = readInternalFlag(ctx, noteable);
      const createdAt = readCreatedAt(ctx, noteable);
      const rawPosition = ctx.body.object("position");
      let diff: { position: DiffPosition; lineCode: string } | undefined;
      if (rawPosition !== undefined && noteable.type === "MergeRequest") {
        diff = await readPosition(ctx, noteable.record, rawPosition);
      }
      const extraction = await commandsOrBlank(ctx, noteable, body);
      const note = await createNote(ctx.sb, noteable, user, {
        body: extraction.content,
        internal,
        type: diff ? "DiffNote" : "DiscussionNote",
        ...(diff ? { position: diff.position, lineCode: diff.lineCode } : {}),
        ...(createdAt === undefined ? {} : { createdAt }),
      });
      await applyNoteQuickActions(ctx.sb, noteable, user, extraction);
      return json(discussionJson(ctx.sb, [note]), 201);
    });

    r.post(`${base}/:discussion_id/notes`, async (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const thread = findDiscussion(ctx, noteable);
      const first = thread[0] as Note;
      if (first.system)
        throw new ApiError(400, {
          message: '400 Bad request - Note {:base=>["can\'t reply to a system note"]}',
        });
      const body = readNoteBody(ctx.body, "discussions");
      const createdAt = readCreatedAt(ctx, noteable);
      // Replying to a plain note turns it into a thread, as GitLab's "convert to discussion" does.
      if (first.type === null) {
        first.type = "DiscussionNote";
        first.resolvable = noteable.type === "MergeRequest";
      }
      const extraction = await commandsOrBlank(ctx, noteable, body);
      const note = await createNote(ctx.sb, noteable, user, {
        body: extraction.content,
        internal: first.internal,
        type: first.type === "DiffNote" ? "DiffNote" : "DiscussionNote",
        discussionId: first.discussion_id,
        position: first.position,
        lineCode: first.line_code ?? null,
        ...(createdAt === undefined ? {} : { createdAt }),
      });
      await applyNoteQuickActions(ctx.sb, noteable, user, extraction);
      return json(noteJson(ctx.sb, note), 201);
    });

    r.put(`${base}/:discussion_id/notes/:note_id`, async (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const thread = findDiscussion(ctx, noteable);
      const note = findNote(ctx, noteable);
      if (!thread.includes(note)) throw notFound("Note");
      const body = ctx.body.string("body");
      const resolved = ctx.body.bool("resolved");
      if ((body === undefined) === (resolved === undefined)) {
        throw new ApiError(400, {
          error: "body, resolved are missing, exactly one parameter must be provided",
        });
      }
      if (body !== undefined) {
        if (note.system || (note.author_id !== user.id && !user.admin)) throw forbidden();
        const errors = noteBodyErrors(body);
        if (errors) throw noteValidationError(errors, "discussions");
        const edited = await editNoteWithQuickActions(ctx.sb, noteable, note, user, body);
        if (edited !== null) return json(edited, 202);
      } else if (resolved !== undefined) {
        if (!note.resolvable)
          throw new ApiError(400, { message: "400 Bad request - Note is not resolvable" });
        if (!canResolve(ctx, noteable, note, user)) throw forbidden();
        setResolved(note, user, resolved);
      }
      return json(noteJson(ctx.sb, note));
    });

    r.put(`${base}/:discussion_id`, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const thread = findDiscussion(ctx, noteable);
      const resolved = ctx.body.bool("resolved");
      if (resolved === undefined) throw missing("resolved");
      const first = thread[0] as Note;
      if (!thread.some((n) => n.resolvable)) {
        throw new ApiError(400, { message: "400 Bad request - Discussion is not resolvable" });
      }
      if (!canResolve(ctx, noteable, first, user)) throw forbidden();
      for (const note of thread) setResolved(note, user, resolved);
      return json(discussionJson(ctx.sb, thread));
    });

    r.delete(`${base}/:discussion_id/notes/:note_id`, (ctx) => {
      const noteable = loadNoteable(ctx, kind);
      const user = ctx.requireUser();
      const thread = findDiscussion(ctx, noteable);
      const note = findNote(ctx, noteable);
      if (!thread.includes(note)) throw notFound("Note");
      const allowed =
        note.author_id === user.id || levelOf(ctx.sb, noteable.project, user) >= ACCESS.maintainer;
      if (note.system || !allowed) throw forbidden();
      ctx.sb.state.notes.delete(note.id);
      return { status: 204 };
    });
  }
}
