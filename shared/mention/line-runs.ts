// How far a run of certain characters reaches from a position in one line. Block starts ask again at every
// nesting level as the position moves right ("- - - … x", ">>>>… x"); remembering the last answer per kind of
// run makes a long line cost one scan in total, not one per level.

export class LineRuns {
  private line = "";
  private readonly known = new Map<number, { from: number; end: number }>();

  reset(line: string): void {
    this.line = line;
    this.known.clear();
  }

  /** The end of the run from `from` of `char`, or of `char`, spaces and tabs when `withSpaces`. */
  end(char: number, withSpaces: boolean, from: number): number {
    const key = withSpaces ? -char - 1 : char;
    const last = this.known.get(key);
    // A run that reaches `end` from `last.from` reaches it from any position in between too.
    if (last !== undefined && from >= last.from && from <= last.end) return last.end;
    let i = from;
    for (;;) {
      const code = this.line.charCodeAt(i);
      if (code !== char && !(withSpaces && (code === 0x20 || code === 0x09))) break;
      i++;
    }
    this.known.set(key, { from, end: i });
    return i;
  }
}
