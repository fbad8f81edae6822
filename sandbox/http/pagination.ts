// Offset pagination with GitLab's headers (x-page, x-per-page, x-total, x-total-pages, x-next-page,
// x-prev-page, link), so that gitbeaker's `pagination: "offset"` and `maxPages` work unchanged.
// https://docs.gitlab.com/api/rest/#offset-based-pagination
import { invalid } from "./api-error.ts";

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function paginate<T>(items: readonly T[], query: URLSearchParams, requestUrl: URL): Page<T> {
  const page = positiveInt(query.get("page"), 1, "page");
  const perPage = Math.min(positiveInt(query.get("per_page"), 20, "per_page"), 100);
  const total = items.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const start = (page - 1) * perPage;
  const headers: Record<string, string> = {
    "x-page": String(page),
    "x-per-page": String(perPage),
    "x-total": String(total),
    "x-total-pages": String(totalPages),
    "x-next-page": page < totalPages ? String(page + 1) : "",
    "x-prev-page": page > 1 && page <= totalPages + 1 ? String(page - 1) : "",
  };
  const link = (p: number, rel: string): string => {
    const u = new URL(requestUrl.href);
    u.searchParams.set("page", String(p));
    u.searchParams.set("per_page", String(perPage));
    return `<${u.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1 && page <= totalPages + 1) links.push(link(page - 1, "prev"));
  if (page < totalPages) links.push(link(page + 1, "next"));
  links.push(link(1, "first"), link(totalPages, "last"));
  headers["link"] = links.join(", ");
  return { items: items.slice(start, start + perPage), headers };
}

function positiveInt(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(name);
  const n = Number(raw);
  return n < 1 ? fallback : n;
}
