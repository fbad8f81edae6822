// Reading a paginated GitLab list within a page cap, pages fetched in parallel waves. The client gives back
// bodies, not headers, so the end of a list is a page shorter than per_page; a count GitLab gives elsewhere
// (an MR's changes_count, a noteable's user_notes_count) sizes the first wave, so a long list costs two
// round trips, not one per page. https://docs.gitlab.com/api/rest/#offset-based-pagination
import type { z } from "zod";
import type { GitLabRequester } from "../../shared/gitlab/calls.ts";
import type { QueryValue } from "../../shared/gitlab/client.ts";

export interface PagedList<T> {
  items: T[];
  pagesRead: number;
  /** False when the page cap stopped the reading while GitLab may have had more. */
  complete: boolean;
}

export interface PageOptions<T> {
  schema: z.ZodType<T[]>;
  query?: Readonly<Record<string, QueryValue>>;
  perPage?: number;
  maxPages: number;
  /** Page 1, when it was fetched beside other calls already. */
  firstPage?: T[];
  /** About how many items there are: the pages after the first are fetched at once up to this many. */
  expectedItems?: number;
  /** Exactly how many items there are, when GitLab said so: no page is asked for past them. */
  total?: number;
  signal?: AbortSignal;
}

// Without an expected count, pages after the first come this many at a time.
const WAVE = 3;

export async function readPages<T>(
  gitlab: GitLabRequester,
  path: string,
  options: PageOptions<T>,
): Promise<PagedList<T>> {
  const perPage = options.perPage ?? 100;
  const fetchPage = (page: number): Promise<T[]> =>
    gitlab.request("GET", path, {
      query: { ...options.query, page, per_page: perPage },
      schema: options.schema,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const first = options.firstPage ?? (await fetchPage(1));
  const items = [...first];
  let pagesRead = 1;
  let lastLength = first.length;
  const expectedPages = Math.ceil((options.total ?? options.expectedItems ?? 0) / perPage);
  const more = () =>
    lastLength >= perPage &&
    pagesRead < options.maxPages &&
    (options.total === undefined || items.length < options.total);
  while (more()) {
    const from = pagesRead + 1;
    // The first wave trusts the expected count; past it, a few pages at a time.
    const guess = pagesRead === 1 && expectedPages > 0 ? Math.max(from, expectedPages) : from + WAVE - 1;
    const to = Math.min(options.maxPages, guess);
    const pages = await Promise.all(Array.from({ length: to - from + 1 }, (_, i) => fetchPage(from + i)));
    for (const page of pages) {
      pagesRead++;
      items.push(...page);
      lastLength = page.length;
      if (page.length < perPage) break;
    }
  }
  const complete = lastLength < perPage || (options.total !== undefined && items.length >= options.total);
  return { items, pagesRead, complete };
}
