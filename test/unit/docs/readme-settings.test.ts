// The README documents every receiver setting exactly as the loader knows it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { settingsTable } from "../../../scripts/settings-table.ts";

describe("README", () => {
  it("carries the receiver's settings table as generated from WEBHOOK_SETTINGS_DOC", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(settingsTable());
  });
});
