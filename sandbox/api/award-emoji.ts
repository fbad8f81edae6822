// Award emoji on issues, merge requests and their notes:
// GET|POST /projects/:id/(issues|merge_requests)/:iid[/notes/:note_id]/award_emoji, GET|DELETE .../:award_id.
// An award is unique per user, name and awardable; a second one answers GitLab's 404 "Name has already been
// taken" (which the bridge uses as an atomic claim). https://docs.gitlab.com/api/emoji_reactions/
import { ApiError, forbidden, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import type { AwardEmoji } from "../state/model.ts";
import { now } from "../state/store.ts";
import { normalizeEmojiName } from "./emoji-names.ts";
import { awardJson } from "./note-serialize.ts";
import { findNote } from "./notes.ts";
import { loadNoteable, NOTEABLE_KINDS, type NoteableKind } from "./noteables.ts";

interface Awardable {
  type: AwardEmoji["awardable_type"];
  id: number;
}

function awardsOf(ctx: RequestContext, target: Awardable): AwardEmoji[] {
  return [...ctx.sb.state.awards.values()].filter(
    (a) => a.awardable_type === target.type && a.awardable_id === target.id,
  );
}

function findAward(ctx: RequestContext, target: Awardable): AwardEmoji {
  const raw = ctx.params["award_id"] ?? "";
  if (!/^\d+$/.test(raw)) throw new ApiError(400, { error: "award_id is invalid" });
  const award = ctx.sb.state.awards.get(Number(raw));
  if (!award || award.awardable_type !== target.type || award.awardable_id !== target.id)
    throw notFound("Award Emoji");
  return award;
}

/** Thumbs up and down on an issue or merge request, for its upvotes/downvotes. */
export function votes(
  sb: SandboxServices,
  type: "Issue" | "MergeRequest",
  id: number,
): { upvotes: number; downvotes: number } {
  let upvotes = 0;
  let downvotes = 0;
  for (const a of sb.state.awards.values()) {
    if (a.awardable_type !== type || a.awardable_id !== id) continue;
    if (a.name === "thumbsup") upvotes++;
    if (a.name === "thumbsdown") downvotes++;
  }
  return { upvotes, downvotes };
}

function registerFor(r: RouteRegistrar, base: string, resolve: (ctx: RequestContext) => Awardable): void {
  r.get(base, (ctx) => {
    const page = paginate(awardsOf(ctx, resolve(ctx)), ctx.query, ctx.url);
    return json(
      page.items.map((a) => awardJson(ctx.sb, a)),
      200,
      page.headers,
    );
  });

  r.get(`${base}/:award_id`, (ctx) => json(awardJson(ctx.sb, findAward(ctx, resolve(ctx)))));

  r.post(base, (ctx) => {
    const target = resolve(ctx);
    const user = ctx.requireUser();
    const raw = ctx.body.requiredString("name");
    const name = normalizeEmojiName(raw);
    if (name === null) throw notFound("Award Emoji Name is not a valid emoji name");
    // Checked and stored without awaiting anything in between: two concurrent requests cannot both win.
    if (awardsOf(ctx, target).some((a) => a.user_id === user.id && a.name === name)) {
      throw notFound("Award Emoji Name has already been taken");
    }
    const at = now();
    const award: AwardEmoji = {
      id: ctx.sb.state.nextId("award"),
      name,
      user_id: user.id,
      awardable_id: target.id,
      awardable_type: target.type,
      created_at: at,
      updated_at: at,
    };
    ctx.sb.state.awards.set(award.id, award);
    return json(awardJson(ctx.sb, award), 201);
  });

  r.delete(`${base}/:award_id`, (ctx) => {
    const award = findAward(ctx, resolve(ctx));
    const user = ctx.requireUser();
    if (award.user_id !== user.id && !user.admin) throw forbidden();
    ctx.sb.state.awards.delete(award.id);
    return { status: 204 };
  });
}

export function registerAwardEmoji(r: RouteRegistrar): void {
  for (const kind of NOTEABLE_KINDS) {
    const noteableType = (k: NoteableKind): Awardable["type"] => (k === "issues" ? "Issue" : "MergeRequest");
    // GitLab names the segment after the awardable: issue_iid, merge_request_iid (its 400s say so).
    const iid = kind === "issues" ? "issue_iid" : "merge_request_iid";
    registerFor(r, `/projects/:id/${kind}/:${iid}/award_emoji`, (ctx) => ({
      type: noteableType(kind),
      id: loadNoteable(ctx, kind, iid).record.id,
    }));
    registerFor(r, `/projects/:id/${kind}/:${iid}/notes/:note_id/award_emoji`, (ctx) => ({
      type: "Note",
      id: findNote(ctx, loadNoteable(ctx, kind, iid)).id,
    }));
  }
}
