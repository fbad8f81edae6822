// `agent-bridge demo` is the README's first command: it must work on a fresh machine, for both assistants.
import { describe, expect, it } from "vitest";
import { runDemo } from "../../demo/demo-scenario.ts";

describe("the demo", { timeout: 180_000 }, () => {
  it.each(["claude", "codex"] as const)(
    "turns '@%s please make the greeting friendlier' into a merge request",
    async (assistant) => {
      const lines: string[] = [];
      const result = await runDemo({ assistant, say: (line) => lines.push(line) });
      expect(result.ok, lines.join("\n")).toBe(true);
      expect(result.mergeRequestUrl).toMatch(/\/-\/merge_requests\/1$/);
      expect(result.diff).toContain('+export const greeting = "Hello, world! Nice to see you.";');
      expect(result.placeholder).toContain("finished");
      // Two more than before the worker read the note and the project back from GitLab (issue 11).
      expect(lines.some((l) => l.includes("dispatched (7 GitLab calls"))).toBe(true);
    },
  );
});
