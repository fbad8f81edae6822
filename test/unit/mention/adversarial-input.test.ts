// Hostile notes of about a megabyte (GitLab's note limit): inputs that make naive markdown scanners
// quadratic or make backtracking regexes explode. Each must finish (the test timeout is the backstop) and
// give the right answer; timings are left to the benchmark, not asserted here.
import { describe, expect, it } from "vitest";
import { findMentions, type Assistant } from "../../../shared/mention/index.ts";

const MB = 1_000_000;

function fill(unit: string, size = MB): string {
  return unit.repeat(Math.ceil(size / unit.length));
}

// Backtick runs of every length 1, 2, 3, …: none has a closer, so every opener searches.
function uniqueBacktickRuns(): string {
  const runs: string[] = ["x"];
  let length = 1;
  for (let k = 1; length < MB; k++) {
    runs.push("`".repeat(k));
    length += k + 1;
  }
  return runs.join(" ");
}

const cases: { name: string; note: () => string; expected: Assistant[] }[] = [
  { name: "one long backtick run", note: () => `x ${fill("`")} @claude`, expected: ["claude"] },
  {
    name: "backtick runs of every length",
    note: () => `${uniqueBacktickRuns()} @claude`,
    expected: ["claude"],
  },
  { name: "backtick runs that pair up", note: () => `x ${fill("` `` ")} @claude`, expected: ["claude"] },
  { name: "a line of >", note: () => `${fill(">")} @claude`, expected: [] },
  { name: "> > > nesting", note: () => `${fill("> ")}@claude`, expected: [] },
  { name: "quote lines, then a lazy line", note: () => `${fill("> a\n")}@claude`, expected: [] },
  { name: "quote lines, then a blank line", note: () => `${fill("> a\n")}\n@claude`, expected: ["claude"] },
  { name: ">>> fences that pair up", note: () => `${fill(">>>\n")}@claude`, expected: ["claude"] },
  { name: "- - - nesting", note: () => `${fill("- ")}@claude`, expected: ["claude"] },
  {
    name: "deep list items, then blank lines",
    note: () => `${fill("- ", 200)}a\n${fill("\n")}  @claude`,
    expected: ["claude"],
  },
  { name: "fence lines that pair up", note: () => `${fill("```\n")}@claude`, expected: ["claude"] },
  { name: "unclosed comment openers", note: () => `${fill("<!--")} @claude`, expected: [] },
  { name: "tags with unclosed quotes", note: () => `${fill('<a b="')} @claude`, expected: ["claude"] },
  { name: "tags with single quotes", note: () => `${fill("<a b='x ")} @claude`, expected: ["claude"] },
  {
    name: "one tag with a million attributes, unclosed",
    note: () => `<a ${fill("b=c ")} @claude`,
    expected: ["claude"],
  },
  { name: "unclosed <code> elements", note: () => `${fill("<code>")} @claude`, expected: [] },
  { name: "processing instruction openers", note: () => `${fill("<?")} @claude`, expected: ["claude"] },
  {
    name: "brackets around a mention",
    note: () => `${fill("[", MB / 2)}@claude${fill("]", MB / 2)}`,
    expected: ["claude"],
  },
  {
    name: "link openers without destinations",
    note: () => `${fill("[", MB / 2)}${fill("](", MB / 2)} @claude`,
    expected: ["claude"],
  },
  { name: "link titles never closed", note: () => `${fill('[a](x "')} @claude`, expected: ["claude"] },
  {
    name: "parenthesised titles never closed",
    note: () => `${fill("[a](x (")} @claude`,
    expected: ["claude"],
  },
  { name: "angle destinations never closed", note: () => `${fill("[a](<")} @claude`, expected: ["claude"] },
  {
    name: "nested parentheses in destinations",
    note: () => `${fill("[a](x(y)")} @claude`,
    expected: ["claude"],
  },
  { name: "opening parentheses before a mention", note: () => `${fill("(")}@claude`, expected: ["claude"] },
  {
    name: "underscores around a mention",
    note: () => `${fill("_", MB / 2)}@codex${fill("_", MB / 2)}`,
    expected: ["codex"],
  },
  { name: "a million at signs", note: () => `${fill("@")}claude`, expected: [] },
  { name: "a handle that never ends", note: () => `@claude${fill("a")}`, expected: [] },
  { name: "a million mentions", note: () => fill("@claude "), expected: ["claude"] },
  { name: "URL schemes", note: () => `${fill("https://")} @claude`, expected: ["claude"] },
  { name: "backslashes", note: () => `${fill("\\")}@claude`, expected: [] },
  { name: "HTML block lines", note: () => `${fill("<div>\n")}@claude`, expected: ["claude"] },
  { name: "unclosed front matter", note: () => `---\n${fill("a\n")}@claude`, expected: ["claude"] },
];

describe("findMentions on adversarial megabyte notes", () => {
  it.each(cases)("$name", ({ note, expected }) => {
    const text = note();
    expect(text.length).toBeGreaterThanOrEqual(MB);
    expect(findMentions(text).assistants).toEqual(expected);
  });
});
