// GitLab durations in, Go durations out.
import { describe, expect, it } from "vitest";
import { formatGoDuration, parseCiDuration } from "../../../sandbox/runner/ci-duration.ts";

describe("parseCiDuration", () => {
  it.each([
    ["30m", 1800],
    ["1h 30m", 5400],
    ["1h30m", 5400],
    ["3600", 3600],
    [3600, 3600],
    ["2 hours and 5 minutes", 7500],
    ["1 day", 86_400],
    ["45 seconds", 45],
    ["1w", 604_800],
    ["10 mins, 30 secs", 630],
  ] as const)("%j → %d seconds", (text, seconds) => {
    expect(parseCiDuration(text)).toBe(seconds);
  });

  it.each(["", "soon", "10 parsecs", "-5", 0, null, "1h 5"])("rejects %j", (text) => {
    expect(parseCiDuration(text)).toBeNull();
  });
});

describe("formatGoDuration", () => {
  it.each([
    [1500, "1.5s"],
    [3_600_000, "1h0m0s"],
    [90_000, "1m30s"],
    [250, "250ms"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});
