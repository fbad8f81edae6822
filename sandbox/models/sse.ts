// Server-sent events as both model APIs stream them: `event: NAME` + `data: JSON` + a blank line.
// The parser reads such a stream back (tests, and anyone checking what a server sent).

export interface SseEvent {
  event: string;
  data: unknown;
}

export function formatSseEvent(event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data line always holds the whole payload.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Parses a complete SSE text. Multi-line data is joined with "\n" as the spec says; data that is not
 * JSON is kept as a string; comments (":") and unknown fields are skipped.
 */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) continue;
    const joined = data.join("\n");
    let parsed: unknown = joined;
    try {
      parsed = JSON.parse(joined);
    } catch {
      // Not JSON ("[DONE]" and the like): keep the text.
    }
    events.push({ event, data: parsed });
  }
  return events;
}
