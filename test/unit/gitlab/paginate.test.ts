// shared/gitlab/paginate: a list read in parallel waves up to a page cap, the end found by GitLab's
// x-next-page or, without headers, by a short page, and the number of calls growing with pages, not items.
// The GitLab here is a plain in-memory requester that sends GitLab's pagination headers when asked to.
import { z } from "zod";
import { describe, expect, it } from "vitest";
import type { GitLabRequester, RequestOptions } from "../../../shared/gitlab/client.ts";
import { getPage, readPages, type Page, type PageRequest } from "../../../shared/gitlab/paginate.ts";

const schema = z.array(z.number());

function listOf(
  total: number,
  headers: "none" | "gitlab" = "none",
): { gitlab: GitLabRequester; pages: number[]; fetchPage: (request: PageRequest) => Promise<Page<number>> } {
  const pages: number[] = [];
  const gitlab: GitLabRequester = {
    request: async <T>(_method: string, _path: string, options: RequestOptions<T> = {}) => {
      const page = Number(options.query?.["page"]);
      const perPage = Number(options.query?.["per_page"]);
      pages.push(page);
      const items = Array.from({ length: total }, (_, i) => i).slice((page - 1) * perPage, page * perPage);
      if (headers === "gitlab") {
        const last = page * perPage >= total;
        options.onAnswer?.({
          status: 200,
          headers: new Headers({ "x-total": String(total), "x-next-page": last ? "" : String(page + 1) }),
        });
      }
      return (options.schema ? options.schema.parse(items) : items) as T;
    },
  };
  return { gitlab, pages, fetchPage: (request) => getPage(gitlab, "/x", schema, request) };
}

describe("shared/gitlab/paginate", () => {
  it("reads a short list in one call", async () => {
    const { fetchPage, pages } = listOf(42);
    const list = await readPages(fetchPage, { maxPages: 10 });
    expect(list).toMatchObject({ pagesRead: 1, complete: true });
    expect(list.items).toHaveLength(42);
    expect(pages).toEqual([1]);
  });

  it("fetches the expected pages in one wave after the first", async () => {
    const { fetchPage, pages } = listOf(350);
    const list = await readPages(fetchPage, { maxPages: 10, expectedItems: 350 });
    expect(list.items).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(list.complete).toBe(true);
    expect(pages.sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
  });

  it("stops at the page cap and says the list may go on", async () => {
    const { fetchPage, pages } = listOf(5_000);
    const list = await readPages(fetchPage, { maxPages: 10, expectedItems: 5_000 });
    expect(list).toMatchObject({ pagesRead: 10, complete: false });
    expect(list.items).toHaveLength(1_000);
    expect(pages).toHaveLength(10);
  });

  it("finds the end without a count, a few pages at a time", async () => {
    const { fetchPage, pages } = listOf(700);
    const list = await readPages(fetchPage, { maxPages: 10 });
    expect(list.items).toHaveLength(700);
    expect(list.complete).toBe(true);
    expect(pages.length).toBeLessThanOrEqual(10);
  });

  it("asks for no page past an exact total", async () => {
    const { fetchPage, pages } = listOf(300);
    const list = await readPages(fetchPage, { maxPages: 10, total: 300 });
    expect(list).toMatchObject({ pagesRead: 3, complete: true });
    expect(pages.sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it("uses a page already fetched", async () => {
    const { fetchPage, pages } = listOf(150);
    const first = Array.from({ length: 100 }, (_, i) => i);
    const list = await readPages(fetchPage, {
      maxPages: 10,
      firstPage: { items: first },
      expectedItems: 150,
    });
    expect(list.items).toHaveLength(150);
    expect(pages).toEqual([2]);
  });

  it("ends where GitLab's x-next-page says, even on a full page", async () => {
    const { fetchPage, pages } = listOf(200, "gitlab");
    const list = await readPages(fetchPage, { maxPages: 10 });
    expect(list).toMatchObject({ pagesRead: 2, complete: true });
    expect(list.items).toHaveLength(200);
    expect(pages.sort((a, b) => a - b)).toEqual([1, 2]);
  });

  it("sizes the second wave by GitLab's x-total", async () => {
    const { fetchPage, pages } = listOf(450, "gitlab");
    const list = await readPages(fetchPage, { maxPages: 10 });
    expect(list).toMatchObject({ pagesRead: 5, complete: true });
    expect(pages.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads one page at a time and stops where the search says", async () => {
    const { fetchPage, pages } = listOf(1_000);
    const list = await readPages(fetchPage, {
      maxPages: 10,
      wave: 1,
      stopAfter: (page) => page.includes(250),
    });
    expect(pages).toEqual([1, 2, 3]);
    expect(list).toMatchObject({ pagesRead: 3, complete: false });
  });
});
