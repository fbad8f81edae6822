// The script format: what a file may say, and which turn a request gets.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { finalTurn, parseScript, readScriptFile, turnFor } from "../../../sandbox/models/script.ts";
import type { TempDir } from "./temp-git-repo.ts";
import { tempDir } from "./temp-git-repo.ts";

describe("model script", () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  it("accepts every kind of step", () => {
    const script = {
      turns: [
        [{ text: "hi" }, { tool: "Read", input: { file_path: "/a" } }],
        [{ delayMs: 10 }, { error: { status: 529, message: "overloaded" } }],
        [],
      ],
    };
    expect(parseScript(script)).toEqual(script);
  });

  it("rejects unknown fields, missing inputs and impossible statuses", () => {
    expect(() => parseScript({ turns: [[{ text: "hi", extra: 1 }]] })).toThrow();
    expect(() => parseScript({ turns: [[{ tool: "Read" }]] })).toThrow();
    expect(() => parseScript({ turns: [[{ error: { status: 200, message: "ok" } }]] })).toThrow();
    expect(() => parseScript({ turns: [[{ delayMs: -1 }]] })).toThrow();
    expect(() => parseScript({ steps: [] })).toThrow();
  });

  it("plays turns by index, then the final Done.", async () => {
    const script = parseScript({ turns: [[{ text: "first" }]] });
    expect(await turnFor(script, { turnIndex: 0, body: {} })).toEqual([{ text: "first" }]);
    expect(await turnFor(script, { turnIndex: 1, body: {} })).toEqual(finalTurn);
    expect(finalTurn).toEqual([{ text: "Done." }]);
  });

  it("lets a function decide, undefined meaning Done.", async () => {
    const script = ({ turnIndex }: { turnIndex: number }) =>
      turnIndex < 2 ? [{ text: `turn ${turnIndex}` }] : undefined;
    expect(await turnFor(script, { turnIndex: 1, body: {} })).toEqual([{ text: "turn 1" }]);
    expect(await turnFor(script, { turnIndex: 2, body: {} })).toEqual(finalTurn);
  });

  it("reads a file and names it in errors", async () => {
    dir = await tempDir("script");
    const good = join(dir.path, "good.json");
    await writeFile(good, JSON.stringify({ turns: [[{ text: "x" }]] }));
    expect(await readScriptFile(good)).toEqual({ turns: [[{ text: "x" }]] });

    const notJson = join(dir.path, "bad.json");
    await writeFile(notJson, "{");
    await expect(readScriptFile(notJson)).rejects.toThrow(/bad\.json: not JSON/);

    const wrong = join(dir.path, "wrong.json");
    await writeFile(wrong, JSON.stringify({ turns: [[{ nope: 1 }]] }));
    await expect(readScriptFile(wrong)).rejects.toThrow(/wrong\.json: not a model script/);
  });
});
