// job/context/budget: sections served by priority within the budget, lists cut at whole items with a line
// that says what was left out, and never a character over the limit.
import { describe, expect, it } from "vitest";
import { composeSections, cutText, fitList, type Section } from "../../../../job/context/budget.ts";

describe("job/context/budget: cutText", () => {
  it("cuts to the limit and says how much was left out", () => {
    const text = "x".repeat(1_000);
    const cut = cutText(text, 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/\n\(… \d+ more characters left out\)$/);
    expect(cutText("short", 100)).toBe("short");
  });
});

describe("job/context/budget: fitList", () => {
  const items = Array.from({ length: 50 }, (_, i) => `- item ${i + 1} ${"·".repeat(i % 7)}`);
  const leftOut = (n: number) => `(… ${n} more items left out)`;

  it("keeps whole items in order and counts the rest", () => {
    const rendered = fitList(items, 200, { header: "### Items", leftOut });
    expect(rendered).not.toBeNull();
    const lines = rendered?.text.split("\n") ?? [];
    expect(lines[0]).toBe("### Items");
    const kept = lines.slice(1, -1);
    expect(kept).toEqual(items.slice(0, kept.length));
    expect(lines.at(-1)).toBe(`(… ${50 - kept.length} more items left out)`);
    expect(rendered?.truncated).toBe(true);
  });

  it("shown reversed, the left-out line comes first (the older ones are missing)", () => {
    const rendered = fitList(items, 150, { leftOut, reverse: true, separator: "\n\n" });
    const parts = rendered?.text.split("\n\n") ?? [];
    expect(parts[0]).toMatch(/^\(… \d+ more items left out\)$/);
    expect(parts.slice(1)).toEqual(items.slice(0, parts.length - 1).reverse());
  });

  it("never goes over the limit, whatever the limit", () => {
    for (let limit = 0; limit < 600; limit += 7) {
      const rendered = fitList(items, limit, { header: "### Items", leftOut, alreadyLeftOut: 3 });
      if (rendered !== null) expect(rendered.text.length).toBeLessThanOrEqual(limit);
    }
  });

  it("counts items that were never fetched", () => {
    const rendered = fitList(["a", "b"], 1_000, { leftOut, alreadyLeftOut: 700 });
    expect(rendered?.text).toBe("a\nb\n(… 700 more items left out)");
  });
});

describe("job/context/budget: composeSections", () => {
  const big = (label: string, size: number): Section["render"] => {
    return (limit) => ({ text: cutText(`${label}:${"y".repeat(size)}`, limit), truncated: size > limit });
  };

  it("serves sections by priority and shows them in the order given", () => {
    const sections: Section[] = [
      { priority: 5, cap: 10_000, render: big("threads", 5_000) },
      { priority: 1, cap: 10_000, render: big("trigger", 800) },
      { priority: 2, cap: 300, render: big("description", 5_000) },
    ];
    const composed = composeSections(sections, 2_000);
    expect(composed.markdown.length).toBeLessThanOrEqual(2_000);
    expect(composed.truncated).toBe(true);
    const [threads, trigger, description] = composed.markdown.split("\n\n");
    expect(threads?.startsWith("threads:")).toBe(true);
    // The trigger got all it needed; the description its cap; the threads what was left.
    expect(trigger).toBe(`trigger:${"y".repeat(800)}`);
    expect(description?.length).toBeLessThanOrEqual(300);
    expect(threads?.length).toBeLessThanOrEqual(2_000 - 808 - 300 - 4);
  });

  it("stays within tiny budgets", () => {
    for (const budget of [0, 1, 10, 57, 300]) {
      const composed = composeSections(
        [
          { priority: 1, cap: budget, render: big("a", 400) },
          { priority: 2, cap: budget, render: big("b", 400) },
        ],
        budget,
      );
      expect(composed.markdown.length).toBeLessThanOrEqual(budget);
    }
  });
});
