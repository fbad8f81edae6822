// "Where is the next `-->` after here?" asked again and again while scanning one text left to right: each
// answer is remembered, so a text with many openers and no closer is still searched once, not once per opener.

export type NeedleFinder = (needle: string, from: number) => number;

/** Like text.indexOf(needle, from), in linear total time when the `from`s of one needle never decrease. */
export function createNeedleFinder(text: string): NeedleFinder {
  const known = new Map<string, { from: number; at: number }>();
  return (needle, from) => {
    const last = known.get(needle);
    // No occurrence starts in [last.from, last.at), so for any `from` in that range the answer is the same.
    if (last !== undefined && from >= last.from && (last.at < 0 || from <= last.at)) return last.at;
    const at = text.indexOf(needle, from);
    known.set(needle, { from, at });
    return at;
  };
}
