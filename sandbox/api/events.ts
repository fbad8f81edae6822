// A project's events (https://docs.gitlab.com/api/events/#list-a-projects-visible-events), the subset the
// sweep reads: "commented on" events, one per note created (system notes leave none: Notes::PostProcessService
// calls EventCreateService#leave_note only `unless note.system?`), newest first, with the note
// (API::Entities::Event exposes `note` for a note target). Filters: action, target_type, after and before
// (dates, both exclusive, as GitLab's EventFilter does), sort.
import { badRequest } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { ACCESS } from "../state/model.ts";
import { noteJson } from "./note-serialize.ts";
import { userBasic } from "./serialize.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function registerEvents(r: RouteRegistrar): void {
  r.get("/projects/:id/events", (ctx) => {
    const project = ctx.project(ACCESS.guest);
    const action = ctx.query.get("action");
    const targetType = ctx.query.get("target_type")?.toLowerCase();
    const after = ctx.query.get("after");
    const before = ctx.query.get("before");
    for (const [name, value] of [
      ["after", after],
      ["before", before],
    ] as const) {
      if (value !== null && !DATE.test(value)) throw badRequest(`${name} is invalid`);
    }
    const sort = ctx.query.get("sort") === "asc" ? "asc" : "desc";
    // Exclusive day bounds: after=2024-05-01 starts on 2024-05-02 00:00 UTC.
    const from = after ? Date.parse(`${after}T00:00:00Z`) + 86_400_000 : -Infinity;
    const to = before ? Date.parse(`${before}T00:00:00Z`) : Infinity;
    const notes = [...ctx.sb.state.notes.values()]
      .filter((n) => n.project_id === project.id && !n.system)
      .filter((n) => {
        const at = Date.parse(n.created_at);
        return at >= from && at < to;
      })
      .filter(() => action === null || action === "commented")
      .filter(
        (n) =>
          targetType === undefined ||
          targetType === "note" ||
          targetType === (n.type ?? "note").toLowerCase(),
      )
      .sort((a, b) => (sort === "asc" ? a.id - b.id : b.id - a.id));
    const events = notes.map((n) => {
      const author = ctx.sb.state.user(n.author_id);
      return {
        id: n.id,
        project_id: project.id,
        action_name: "commented on",
        target_id: n.id,
        target_iid: n.id,
        target_type: n.type ?? "Note",
        author_id: author.id,
        target_title: null,
        created_at: n.created_at,
        note: noteJson(ctx.sb, n),
        author: userBasic(ctx.sb, author),
        imported: false,
        imported_from: "none",
        author_username: author.username,
      };
    });
    const page = paginate(events, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });
}
