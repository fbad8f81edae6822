// Durations as .gitlab-ci.yml writes them (`timeout: 30m`, `1h 30m`, `3600`, `2 hours and 5 minutes`) and as the
// GitLab runner prints them (Go's time.Duration format, e.g. `1h0m0s`) in its timeout message.

const unitSeconds: ReadonlyArray<[RegExp, number]> = [
  [/^(s|secs?|seconds?)$/, 1],
  [/^(m|mins?|minutes?)$/, 60],
  [/^(h|hrs?|hours?)$/, 3600],
  [/^(d|days?)$/, 86_400],
  [/^(w|wks?|weeks?)$/, 604_800],
];

/** Seconds for a GitLab duration, or null when the text is not one. A bare number means seconds. */
export function parseCiDuration(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? Math.round(value) : null;
  if (typeof value !== "string") return null;
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return parseCiDuration(Number(text));
  const parts = text
    .replace(/,/g, " ")
    .replace(/\band\b/g, " ")
    .match(/\d+(?:\.\d+)?\s*[a-z]+|\S+/g);
  if (!parts) return null;
  let total = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(part);
    if (!match) return null;
    const unit = unitSeconds.find(([pattern]) => pattern.test(match[2] as string));
    if (!unit) return null;
    total += Number(match[1]) * unit[1];
  }
  return total > 0 ? Math.round(total) : null;
}

/** Go's time.Duration.String() for whole milliseconds: 1500 → "1.5s", 3_600_000 → "1h0m0s". */
export function formatGoDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}
