// The context's size budget. Sections are served in priority order (the triggering thread first), each up to
// its own cap and what is left; then shown in reading order. Whatever does not fit is said, never silently
// dropped: "(… 812 more notes left out)". The result is never longer than the budget, however large the
// merge request.

export interface Rendered {
  text: string;
  /** Something was left out to fit. */
  truncated: boolean;
}

export interface Section {
  /** Lower is served first. */
  priority: number;
  /** The most this section may take, in characters, even when more is left. */
  cap: number;
  /** Renders within `limit` characters (a longer answer is cut); null when there is nothing to show. */
  render(limit: number): Rendered | null;
}

export interface Composed {
  markdown: string;
  truncated: boolean;
}

const SEPARATOR = "\n\n";

/** Serves `sections` in priority order within `budget` characters and joins them in the order given. */
export function composeSections(sections: readonly Section[], budget: number): Composed {
  const texts: string[] = sections.map(() => "");
  let truncated = false;
  let remaining = Math.max(0, budget - SEPARATOR.length * Math.max(0, sections.length - 1));
  const byPriority = sections.map((section, index) => ({ section, index }));
  byPriority.sort((a, b) => a.section.priority - b.section.priority || a.index - b.index);
  for (const { section, index } of byPriority) {
    const limit = Math.min(section.cap, remaining);
    const rendered = limit > 0 ? section.render(limit) : section.render(0);
    if (rendered === null) continue;
    let text = rendered.text;
    if (text.length > limit) text = cutText(text, limit);
    if (rendered.truncated || text.length < rendered.text.length) truncated = true;
    texts[index] = text;
    remaining -= text.length;
  }
  const markdown = texts.filter((text) => text !== "").join(SEPARATOR);
  return { markdown, truncated };
}

/** `text` cut to `limit` characters, ending with a line that says how much was left out. */
export function cutText(text: string, limit: number, unit = "characters"): string {
  if (text.length <= limit) return text;
  for (let keep = limit; keep > 0;) {
    const note = `\n(… ${formatCount(text.length - keep)} more ${unit} left out)`;
    const fits = limit - note.length;
    if (fits <= 0) break;
    if (fits >= keep) return text.slice(0, keep) + note;
    keep = fits;
  }
  return "";
}

export interface ListOptions {
  /** A line above the items (a heading); the list is left out if even this does not fit. */
  header?: string;
  /** Items come in priority order; displayed reversed (e.g. newest first chosen, shown oldest first). */
  reverse?: boolean;
  /** The line for items that did not fit: "(… 12 more files left out)". */
  leftOut(count: number): string;
  /** Items left out before any of these were even fetched (page caps): added to the count. */
  alreadyLeftOut?: number;
  /** Between items (default one newline; a blank line sets threads apart). */
  separator?: string;
}

/**
 * As many whole items as fit in `limit` characters, in priority order, one per line (an item may span
 * lines), with a line saying how many were left out. null when not even the header and that line fit.
 */
export function fitList(items: readonly string[], limit: number, options: ListOptions): Rendered | null {
  const extra = options.alreadyLeftOut ?? 0;
  const separator = options.separator ?? "\n";
  const header = options.header;
  const kept: string[] = [];
  // Every part after the first costs a separator: count one per part, and one less at the end.
  let used = header === undefined ? 0 : header.length + separator.length;
  const reserve = (count: number): number =>
    count > 0 ? options.leftOut(count).length + separator.length : 0;
  if (used + reserve(items.length + extra) - separator.length > limit) return null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? "";
    const cost = item.length + separator.length;
    if (used + cost + reserve(items.length - i - 1 + extra) - separator.length > limit) break;
    kept.push(item);
    used += cost;
  }
  const missing = items.length - kept.length + extra;
  const body = options.reverse ? [...kept].reverse() : kept;
  const parts: string[] = [];
  if (header !== undefined) parts.push(header);
  // Shown oldest first, the left-out ones are the older: say so above the items.
  if (missing > 0 && options.reverse) parts.push(options.leftOut(missing));
  parts.push(...body);
  if (missing > 0 && !options.reverse) parts.push(options.leftOut(missing));
  if (parts.length === 0) return null;
  return { text: parts.join(separator), truncated: missing > 0 };
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 note", "2 notes", "1,000 notes". */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? "" : "s"}`;
}
