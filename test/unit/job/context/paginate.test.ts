// job/context/paginate: a list read in parallel waves up to a page cap, the end found by a short page, and
// the number of calls growing with pages, not items. The GitLab here is a plain in-memory requester.
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { readPages } from "../../../../job/context/paginate.ts";
import type { GitLabRequester } from "../../../../shared/gitlab/calls.ts";

function listOf(total: number): { gitlab: GitLabRequester; pages: number[] } {
  const pages: number[] = [];
  const gitlab: GitLabRequester = {
    request: async <T>(
      _method: string,
      _path: string,
      options?: { query?: Record<string, unknown>; schema?: z.ZodType<T> },
    ) => {
      const page = Number(options?.query?.["page"]);
      const perPage = Number(options?.query?.["per_page"]);
      pages.push(page);
      const items = Array.from({ length: total }, (_, i) => i).slice((page - 1) * perPage, page * perPage);
      return (options?.schema ? options.schema.parse(items) : items) as T;
    },
  };
  return { gitlab, pages };
}

const schema = z.array(z.number());

describe("job/context/paginate", () => {
  it("reads a short list in one call", async () => {
    const { gitlab, pages } = listOf(42);
    const list = await readPages(gitlab, "/x", { schema, maxPages: 10 });
    expect(list).toMatchObject({ pagesRead: 1, complete: true });
    expect(list.items).toHaveLength(42);
    expect(pages).toEqual([1]);
  });

  it("fetches the expected pages in one wave after the first", async () => {
    const { gitlab, pages } = listOf(350);
    const list = await readPages(gitlab, "/x", { schema, maxPages: 10, expectedItems: 350 });
    expect(list.items).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(list.complete).toBe(true);
    expect(pages.sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
  });

  it("stops at the page cap and says the list may go on", async () => {
    const { gitlab, pages } = listOf(5_000);
    const list = await readPages(gitlab, "/x", { schema, maxPages: 10, expectedItems: 5_000 });
    expect(list).toMatchObject({ pagesRead: 10, complete: false });
    expect(list.items).toHaveLength(1_000);
    expect(pages).toHaveLength(10);
  });

  it("finds the end without a count, a few pages at a time", async () => {
    const { gitlab, pages } = listOf(700);
    const list = await readPages(gitlab, "/x", { schema, maxPages: 10 });
    expect(list.items).toHaveLength(700);
    expect(list.complete).toBe(true);
    expect(pages.length).toBeLessThanOrEqual(10);
  });

  it("asks for no page past an exact total", async () => {
    const { gitlab, pages } = listOf(300);
    const list = await readPages(gitlab, "/x", { schema, maxPages: 10, total: 300 });
    expect(list).toMatchObject({ pagesRead: 3, complete: true });
    expect(pages.sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it("uses a page already fetched", async () => {
    const { gitlab, pages } = listOf(150);
    const first = Array.from({ length: 100 }, (_, i) => i);
    const list = await readPages(gitlab, "/x", {
      schema,
      maxPages: 10,
      firstPage: first,
      expectedItems: 150,
    });
    expect(list.items).toHaveLength(150);
    expect(pages).toEqual([2]);
  });
});
