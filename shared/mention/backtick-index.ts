// Code span closers in linear time. A run of N backticks closes only at the next run of exactly N; searching
// forward from every opener is quadratic on text like "` `` ``` ````…", so every run is recorded once, by
// length, and each length's list is walked forward only.

/** Given an opener's start and length, the start of its closing run, or -1 when the text has none. */
export type CloserFinder = (openerStart: number, length: number) => number;

export function createBacktickIndex(text: string): CloserFinder {
  let runsByLength: Map<number, number[]> | undefined;
  const cursors = new Map<number, number>();
  return (openerStart, length) => {
    runsByLength ??= collectRuns(text);
    const starts = runsByLength.get(length);
    if (starts === undefined) return -1;
    let k = cursors.get(length) ?? 0;
    while (k < starts.length && (starts[k] ?? Infinity) <= openerStart) k++;
    cursors.set(length, k);
    return starts[k] ?? -1;
  };
}

function collectRuns(text: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  let i = text.indexOf("`");
  while (i >= 0) {
    let end = i + 1;
    while (end < text.length && text.charCodeAt(end) === 0x60) end++;
    const length = end - i;
    const starts = runs.get(length);
    if (starts === undefined) runs.set(length, [i]);
    else starts.push(i);
    i = text.indexOf("`", end);
  }
  return runs;
}
