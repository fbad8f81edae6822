// Random notes built from markdown's sharp edges, checked against invariants that hold whatever the note
// says: wrapped in a code fence, an HTML comment, a GitLab >>> quote or "> " quote lines it mentions no one,
// and a result never names an assistant twice or one whose handle is not in the text. Seeded, so a failure
// reproduces.
import { describe, expect, it } from "vitest";
import { ASSISTANTS, findMentions } from "../../../shared/mention/index.ts";

// prettier-ignore
const TOKENS = [
  "@claude", "@codex", "@CLAUDE", "@Codex.", "(@claude)", "**@codex**", "_@claude_",
  " ", " ", " ", "\n", "\n", "\r\n", "\r", "\t", "    ",
  "`", "``", "```", "~~~", ">", "> ", ">>>", "<!--", "-->", "<code>", "</code>", "<pre>", "<b>", "<a href=\"",
  "\"", "'", "[", "]", "(", ")", "](", "![", "\\", "*", "_", "~~", "-", "- ", "1. ", "# ", "===", "---",
  "http://", "www.", "x", "word", "@", ".", ",", "<", "/", "=", "|", "é", "\u200d", "🙏",
];

// mulberry32: a tiny seeded generator, so the same notes come back on every run.
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomNotes(count: number, seed: number): string[] {
  const random = generator(seed);
  const notes: string[] = [];
  for (let n = 0; n < count; n++) {
    const length = Math.floor(random() * 40);
    let note = "";
    for (let k = 0; k < length; k++) note += TOKENS[Math.floor(random() * TOKENS.length)] ?? "";
    notes.push(note);
  }
  return notes;
}

const notes = randomNotes(3000, 20240601);

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

describe("findMentions on random notes", () => {
  it("names known assistants, once each, only ones whose handle appears", () => {
    let mentioning = 0;
    for (const note of notes) {
      const { assistants } = findMentions(note);
      expect(new Set(assistants).size).toBe(assistants.length);
      for (const assistant of assistants) {
        expect(ASSISTANTS).toContain(assistant);
        expect(note.toLowerCase()).toContain(`@${assistant}`);
      }
      if (assistants.length > 0) mentioning++;
    }
    // The wrapping checks below mean something only if plenty of these notes mention someone unwrapped.
    expect(mentioning).toBeGreaterThan(notes.length / 4);
  });

  it("finds nothing inside a fence longer than any in the note", () => {
    for (const note of notes) {
      const fence = "~".repeat(longestRun(note, "~") + 3);
      expect(findMentions(`${fence}\n${note}\n${fence}\n`).assistants, note).toEqual([]);
    }
  });

  it("finds nothing inside an HTML comment block", () => {
    for (const note of notes.filter((n) => !n.includes("-->"))) {
      expect(findMentions(`<!--\n${note}\n-->`).assistants, note).toEqual([]);
    }
  });

  it("finds nothing inside a GitLab >>> quote", () => {
    for (const note of notes.filter((n) => !n.includes(">>>"))) {
      expect(findMentions(`>>>\n${note}\n>>>`).assistants, note).toEqual([]);
    }
  });

  it("finds nothing when every line is quoted", () => {
    for (const note of notes) {
      const quoted = note
        .split(/\r\n|\r|\n/)
        .map((line) => `> ${line}`)
        .join("\n");
      expect(findMentions(quoted).assistants, note).toEqual([]);
    }
  });
});
