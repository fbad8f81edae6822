// The block structure of a note, as far as mentions care: which stretches are prose a reader sees
// (paragraphs, headings, table rows, raw HTML) and which are code, quoted or hidden. Follows the CommonMark
// block algorithm (commonmark.js's, container by container, line by line, with lazy continuation) plus GitLab's
// `>>>` multi-line blockquotes and front matter. Inline markup is left to the inline scanner.
import {
  closesFence,
  fenceOpening,
  isAtxHeading,
  isSetextUnderline,
  isThematicBreak,
  listMarker,
  onlySpacesFrom,
  quoteFenceLength,
  type Fence,
  type ListMarker,
} from "./block-starts.ts";
import { isSpaceOrTab } from "./char-classes.ts";
import { frontMatterEnd } from "./front-matter.ts";
import { htmlBlockEnds, htmlBlockStart } from "./html-syntax.ts";
import { CODE_INDENT, LineCursor } from "./line-cursor.ts";
import { LineRuns } from "./line-runs.ts";

/** A stretch of the note, [start, end), whose inline content a reader sees. */
export interface Segment {
  readonly start: number;
  readonly end: number;
}

// Deeper nesting is no real comment; past it, markers are read as text. This bounds the work per line, which
// keeps a megabyte of "- - - - …" or "> > > …" linear.
const MAX_NESTING = 64;

type Container =
  | { readonly kind: "quote"; hasChild: boolean }
  | { readonly kind: "quote-fence"; readonly fenceLength: number; hasChild: boolean }
  | { readonly kind: "item"; readonly contentIndent: number; hasChild: boolean };

type Leaf =
  | { readonly kind: "paragraph"; readonly start: number; end: number; readonly hidden: boolean }
  | {
      readonly kind: "html";
      readonly type: number;
      readonly start: number;
      end: number;
      readonly hidden: boolean;
    }
  | { readonly kind: "fenced-code"; readonly fence: Fence }
  | { readonly kind: "indented-code" };

/** The visible segments of a note, in document order. */
export function visibleSegments(text: string): Segment[] {
  return new BlockScanner(text).scan();
}

class BlockScanner {
  private readonly segments: Segment[] = [];
  private readonly containers: Container[] = [];
  /** How many open containers are quotes: anything inside one is hidden. */
  private quotes = 0;
  private leaf: Leaf | undefined;
  private readonly cursor = new LineCursor();
  private readonly runs = new LineRuns();
  private lineStart = 0;
  private lineEnd = 0;
  /** Open containers the current line has matched so far. */
  private matched = 0;
  /** Whether blocks the current line did not continue are still open (they may yet take it lazily). */
  private unmatchedOpen = false;
  // How many open containers a blank line continues. It changes only with the containers, and caching it keeps
  // a run of blank lines under deeply nested list items from walking the whole nesting on every line.
  private blankLineMatches: number | undefined;

  constructor(private readonly text: string) {}

  scan(): Segment[] {
    const lineEnding = /\r\n?|\n/g;
    let at = frontMatterEnd(this.text);
    for (;;) {
      lineEnding.lastIndex = at;
      const found = lineEnding.exec(this.text);
      const end = found === null ? this.text.length : found.index;
      this.line(at, end);
      if (found === null) break;
      at = end + found[0].length;
    }
    this.closeLeaf();
    return this.segments;
  }

  private line(start: number, end: number): void {
    const c = this.cursor;
    this.lineStart = start;
    this.lineEnd = end;
    c.reset(this.text.slice(start, end));
    this.runs.reset(c.line);

    if (!this.matchContainers()) return;

    // Does it continue the open leaf block?
    let leafMatched = false;
    if (this.matched === this.containers.length && this.leaf !== undefined) {
      c.findNextNonspace();
      const leaf = this.leaf;
      switch (leaf.kind) {
        case "fenced-code":
          if (!c.indented && closesFence(c.line, c.nextNonspace, leaf.fence)) this.leaf = undefined;
          return;
        case "indented-code":
          if (c.indented || c.blank) return;
          break;
        case "html":
          if (c.blank && leaf.type >= 6) {
            this.closeLeaf();
            return;
          }
          leaf.end = end;
          if (htmlBlockEnds(leaf.type, c.line.slice(c.offset))) this.closeLeaf();
          return;
        case "paragraph":
          if (c.blank) {
            this.closeLeaf();
            return;
          }
          leafMatched = true;
          break;
      }
    }
    this.unmatchedOpen = this.matched < this.containers.length || (this.leaf !== undefined && !leafMatched);

    if (this.newBlocks(leafMatched)) return;

    // What is left is paragraph text: a lazy continuation of an open paragraph, more of a continued one,
    // or a new one.
    if (this.unmatchedOpen && !c.blank && this.leaf?.kind === "paragraph") {
      this.leaf.end = end;
      return;
    }
    if (this.unmatchedOpen) {
      if (!leafMatched) this.closeLeaf();
      this.popContainersTo(this.matched);
    }
    if (this.leaf?.kind === "paragraph") {
      this.leaf.end = end;
    } else if (!c.blank) {
      this.markParent();
      this.leaf = { kind: "paragraph", start: start + c.offset, end, hidden: this.quotes > 0 };
    }
  }

  /** Walks the open containers this line continues (setting `matched`); false when that used up the line. */
  private matchContainers(): boolean {
    const c = this.cursor;
    c.findNextNonspace();
    const blankLine = c.blank;
    this.matched = 0;
    if (blankLine && this.blankLineMatches !== undefined) {
      this.matched = this.blankLineMatches;
      return true;
    }
    for (const container of this.containers) {
      c.findNextNonspace();
      const outcome = this.continues(container);
      if (outcome === "closed") {
        this.closeLeaf();
        this.popContainersTo(this.matched);
        return false;
      }
      if (!outcome) break;
      this.matched++;
    }
    if (blankLine) this.blankLineMatches = this.matched;
    return true;
  }

  /** Opens the blocks this line starts; true when that used up the line. */
  private newBlocks(leafMatched: boolean): boolean {
    const c = this.cursor;
    let afterParagraph = leafMatched && this.leaf?.kind === "paragraph";
    for (;;) {
      c.findNextNonspace();
      const code = c.peekNonspace();
      if (!c.indented && !mayStartBlock(code)) break;
      const room = this.matched < MAX_NESTING;

      if (!c.indented && code === 0x3e && room) {
        const fenceLength = quoteFenceLength(c.line, c.nextNonspace, this.runs);
        this.startBlock();
        this.pushContainer(
          fenceLength > 0
            ? { kind: "quote-fence", fenceLength, hasChild: false }
            : { kind: "quote", hasChild: false },
        );
        if (fenceLength > 0) return true;
        c.advanceNextNonspace();
        c.advanceOffset(1, false);
        if (isSpaceOrTab(c.line.charCodeAt(c.offset))) c.advanceOffset(1, true);
        afterParagraph = false;
        continue;
      }
      if (!c.indented && isAtxHeading(c.line, c.nextNonspace)) {
        this.startBlock();
        const hidden = this.quotes > 0;
        if (!hidden) this.segments.push({ start: this.lineStart + c.nextNonspace, end: this.lineEnd });
        return true;
      }
      const fence = c.indented ? undefined : fenceOpening(c.line, c.nextNonspace);
      if (fence !== undefined) {
        this.startBlock();
        this.leaf = { kind: "fenced-code", fence };
        return true;
      }
      if (!c.indented && code === 0x3c) {
        const type = htmlBlockStart(c.restFromNonspace(), this.leaf?.kind === "paragraph");
        if (type > 0) {
          this.startBlock();
          const start = this.lineStart + c.offset;
          this.leaf = { kind: "html", type, start, end: this.lineEnd, hidden: this.quotes > 0 };
          if (htmlBlockEnds(type, c.line.slice(c.offset))) this.closeLeaf();
          return true;
        }
      }
      if (!c.indented && afterParagraph && isSetextUnderline(c.line, c.nextNonspace)) {
        this.closeLeaf();
        return true;
      }
      if (!c.indented && isThematicBreak(c.line, c.nextNonspace, this.runs)) {
        this.startBlock();
        return true;
      }
      const marker = !c.indented && room ? listMarker(c.line, c.nextNonspace) : undefined;
      if (marker !== undefined && !(afterParagraph && cannotInterruptParagraph(marker, c))) {
        const contentIndent = this.consumeListMarker(marker);
        this.startBlock();
        this.pushContainer({ kind: "item", contentIndent, hasChild: false });
        afterParagraph = false;
        continue;
      }
      if (c.indented && this.leaf?.kind !== "paragraph" && !c.blank) {
        c.advanceOffset(CODE_INDENT, true);
        this.startBlock();
        this.leaf = { kind: "indented-code" };
        return true;
      }
      break;
    }
    c.advanceNextNonspace();
    return false;
  }

  private continues(container: Container): boolean | "closed" {
    const c = this.cursor;
    switch (container.kind) {
      case "quote":
        if (c.indented || c.peekNonspace() !== 0x3e) return false;
        c.advanceNextNonspace();
        c.advanceOffset(1, false);
        if (isSpaceOrTab(c.line.charCodeAt(c.offset))) c.advanceOffset(1, true);
        return true;
      case "quote-fence":
        // Like a fenced code block, it runs to a closing fence at least as long, or to the end.
        return !c.indented && quoteFenceLength(c.line, c.nextNonspace, this.runs) >= container.fenceLength
          ? "closed"
          : true;
      case "item":
        if (c.blank) {
          // A list item can begin with at most one blank line.
          if (!container.hasChild) return false;
          c.advanceNextNonspace();
          return true;
        }
        if (c.indent < container.contentIndent) return false;
        c.advanceOffset(container.contentIndent, true);
        return true;
    }
  }

  /** Moves past a list marker and the spaces after it; returns the item's content indentation. */
  private consumeListMarker(marker: ListMarker): number {
    const c = this.cursor;
    const markerOffset = c.indent;
    c.advanceNextNonspace();
    c.advanceOffset(marker.length, true);
    const spacesStartColumn = c.column;
    const spacesStartOffset = c.offset;
    do {
      c.advanceOffset(1, true);
    } while (c.column - spacesStartColumn < 5 && isSpaceOrTab(c.line.charCodeAt(c.offset)));
    const spaces = c.column - spacesStartColumn;
    const blankItem = c.offset >= c.line.length;
    // Five or more spaces make indented code inside the item, so the item's content starts after one.
    if (spaces >= 5 || spaces < 1 || blankItem) {
      c.column = spacesStartColumn;
      c.offset = spacesStartOffset;
      c.partiallyConsumedTab = false;
      if (isSpaceOrTab(c.line.charCodeAt(c.offset))) c.advanceOffset(1, true);
      return markerOffset + marker.length + 1;
    }
    return markerOffset + marker.length + spaces;
  }

  /** A new block closes whatever the line did not continue, and the open leaf. */
  private startBlock(): void {
    this.closeLeaf();
    this.popContainersTo(this.matched);
    this.unmatchedOpen = false;
    this.markParent();
  }

  private pushContainer(container: Container): void {
    this.blankLineMatches = undefined;
    this.containers.push(container);
    if (container.kind !== "item") this.quotes++;
    this.matched = this.containers.length;
  }

  private popContainersTo(depth: number): void {
    while (this.containers.length > depth) {
      this.blankLineMatches = undefined;
      const container = this.containers.pop();
      if (container !== undefined && container.kind !== "item") this.quotes--;
    }
  }

  private markParent(): void {
    const parent = this.containers[this.containers.length - 1];
    if (parent !== undefined && !parent.hasChild) {
      parent.hasChild = true;
      this.blankLineMatches = undefined;
    }
  }

  private closeLeaf(): void {
    const leaf = this.leaf;
    this.leaf = undefined;
    if ((leaf?.kind === "paragraph" || leaf?.kind === "html") && !leaf.hidden && leaf.end > leaf.start) {
      this.segments.push({ start: leaf.start, end: leaf.end });
    }
  }
}

// Only these characters can begin a block other than a paragraph (commonmark.js's reMaybeSpecial).
function mayStartBlock(code: number): boolean {
  return (
    code === 0x23 || // #
    code === 0x60 || // `
    code === 0x7e || // ~
    code === 0x2a || // *
    code === 0x2b || // +
    code === 0x5f || // _
    code === 0x3d || // =
    code === 0x3c || // <
    code === 0x3e || // >
    code === 0x2d || // -
    (code >= 0x30 && code <= 0x39)
  );
}

// A list item interrupts a paragraph only when it has content and, if ordered, starts at 1.
function cannotInterruptParagraph(marker: ListMarker, c: LineCursor): boolean {
  return marker.startsAfterOne || onlySpacesFrom(c.line, c.nextNonspace + marker.length);
}
