// The one paginator: every list the bridge reads (threads, diffs, notes, variables, hooks) goes through
// readPages, page by page, within a page cap. GitLab's headers say where a list ends (x-next-page is empty on
// the last page) and how long it is (x-total, absent past 10 000 items); without them (a test double), a page
// shorter than per_page is the last. A count known beforehand (an MR's changes_count, a noteable's
// user_notes_count) or GitLab's x-total sizes the first wave, so a long list costs two round trips, not one
// per page; a search that may stop early (the newest notes back to a trigger note) reads one page at a time.
// https://docs.gitlab.com/api/rest/#offset-based-pagination
import type { z } from "zod";
import type { GitLabRequester, HttpMethod, QueryValue } from "./client.ts";

export interface PageRequest {
  page: number;
  perPage: number;
  signal?: AbortSignal;
}

export interface Page<T> {
  items: T[];
  /** x-next-page: the next page's number, null on the last page, undefined when GitLab sent no header. */
  nextPage?: number | null;
  /** x-total, when GitLab sent it. */
  total?: number;
}

/** One page of a list: GET `path` with page and per_page, its items checked by `schema`, its headers read. */
export async function getPage<T>(
  gl: GitLabRequester,
  path: string,
  schema: z.ZodType<T[]>,
  request: PageRequest,
  query: Readonly<Record<string, QueryValue>> = {},
  method: HttpMethod = "GET",
): Promise<Page<T>> {
  let headers: Headers | undefined;
  const items = await gl.request(method, path, {
    query: { ...query, page: request.page, per_page: request.perPage },
    schema,
    onAnswer: (answer) => void (headers = answer.headers),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const page: Page<T> = { items };
  const next = headers?.get("x-next-page");
  if (next !== null && next !== undefined) page.nextPage = /^\d+$/.test(next.trim()) ? Number(next) : null;
  const total = headers?.get("x-total");
  if (total && /^\d+$/.test(total.trim())) page.total = Number(total);
  return page;
}

export interface PagedList<T> {
  items: T[];
  pagesRead: number;
  /** False when the page cap (or `stopAfter`) stopped the reading while GitLab may have had more. */
  complete: boolean;
}

export interface ReadPagesOptions<T> {
  perPage?: number;
  maxPages: number;
  /** Page 1, when it was fetched beside other calls already. */
  firstPage?: Page<T>;
  /** About how many items there are: the pages after the first are fetched at once up to this many. */
  expectedItems?: number;
  /** Exactly how many items there are, when GitLab said so elsewhere: no page is asked for past them. */
  total?: number;
  /** Pages fetched at once past what a count foretells (default 3; 1 for a search that may stop early). */
  wave?: number;
  /** Stops the reading after a page for which it is true (the search found what it looks for). */
  stopAfter?: (page: readonly T[]) => boolean;
  signal?: AbortSignal;
}

/** Reads a list with `fetchPage` (an api/ list function), in waves, up to the page cap. */
export async function readPages<T>(
  fetchPage: (request: PageRequest) => Promise<Page<T>>,
  options: ReadPagesOptions<T>,
): Promise<PagedList<T>> {
  const perPage = options.perPage ?? 100;
  const wave = Math.max(1, options.wave ?? 3);
  const ask = (page: number) =>
    fetchPage({ page, perPage, ...(options.signal ? { signal: options.signal } : {}) });
  const first = options.firstPage ?? (await ask(1));
  const total = options.total ?? first.total;
  const items = [...first.items];
  let pagesRead = 1;
  let last = isLast(first, perPage);
  let stopped = options.stopAfter?.(first.items) === true;
  const expectedPages = Math.ceil((total ?? options.expectedItems ?? 0) / perPage);
  const more = () =>
    !last && !stopped && pagesRead < options.maxPages && (total === undefined || items.length < total);
  while (more()) {
    const from = pagesRead + 1;
    // The first wave trusts the count; past it, a few pages at a time.
    const guess = pagesRead === 1 && expectedPages > 0 ? Math.max(from, expectedPages) : from + wave - 1;
    const to = Math.min(options.maxPages, guess);
    const pages = await Promise.all(Array.from({ length: to - from + 1 }, (_, i) => ask(from + i)));
    for (const page of pages) {
      pagesRead++;
      items.push(...page.items);
      last = isLast(page, perPage);
      stopped = options.stopAfter?.(page.items) === true;
      if (last || stopped) break;
    }
  }
  const complete = last || (total !== undefined && items.length >= total);
  return { items, pagesRead, complete };
}

function isLast(page: Page<unknown>, perPage: number): boolean {
  return page.nextPage === null || page.items.length < perPage;
}
