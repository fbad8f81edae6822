// A position in one line of markdown, the way CommonMark's block parser counts it: indentation in columns,
// a tab reaching the next multiple of 4, and a tab that is only partly used up by a container's prefix.
import { isSpaceOrTab } from "./char-classes.ts";

/** Four columns of indentation make indented code. */
export const CODE_INDENT = 4;

export class LineCursor {
  line = "";
  offset = 0;
  column = 0;
  partiallyConsumedTab = false;
  /** Set by findNextNonspace: the first non-space character from offset, its column, and what lies between. */
  nextNonspace = 0;
  nextNonspaceColumn = 0;
  indent = 0;
  indented = false;
  blank = false;
  // findNextNonspace is called once per open container; skip rescanning when the cursor has not moved.
  private scannedOffset = -1;
  private scannedColumn = -1;

  reset(line: string): void {
    this.line = line;
    this.offset = 0;
    this.column = 0;
    this.partiallyConsumedTab = false;
    this.scannedOffset = -1;
    this.scannedColumn = -1;
  }

  findNextNonspace(): void {
    if (this.scannedOffset === this.offset && this.scannedColumn === this.column) return;
    let i = this.offset;
    let columns = this.column;
    let code = this.line.charCodeAt(i);
    while (isSpaceOrTab(code)) {
      columns += code === 0x09 ? 4 - (columns % 4) : 1;
      code = this.line.charCodeAt(++i);
    }
    this.blank = i >= this.line.length;
    this.nextNonspace = i;
    this.nextNonspaceColumn = columns;
    this.indent = columns - this.column;
    this.indented = this.indent >= CODE_INDENT;
    this.scannedOffset = this.offset;
    this.scannedColumn = this.column;
  }

  advanceNextNonspace(): void {
    this.offset = this.nextNonspace;
    this.column = this.nextNonspaceColumn;
    this.partiallyConsumedTab = false;
  }

  /** Moves `count` characters, or `count` columns when `columns` (then a tab may be consumed in part). */
  advanceOffset(count: number, columns: boolean): void {
    let left = count;
    while (left > 0 && this.offset < this.line.length) {
      if (this.line.charCodeAt(this.offset) === 0x09) {
        const toTabStop = 4 - (this.column % 4);
        if (columns) {
          this.partiallyConsumedTab = toTabStop > left;
          const step = Math.min(toTabStop, left);
          this.column += step;
          if (!this.partiallyConsumedTab) this.offset += 1;
          left -= step;
        } else {
          this.partiallyConsumedTab = false;
          this.column += toTabStop;
          this.offset += 1;
          left -= 1;
        }
      } else {
        this.partiallyConsumedTab = false;
        this.offset += 1;
        this.column += 1;
        left -= 1;
      }
    }
  }

  /** The character code at the first non-space character, or NaN at the end of the line. */
  peekNonspace(): number {
    return this.line.charCodeAt(this.nextNonspace);
  }

  /** The line from its first non-space character. */
  restFromNonspace(): string {
    return this.line.slice(this.nextNonspace);
  }
}
