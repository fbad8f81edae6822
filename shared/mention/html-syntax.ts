// Raw HTML as CommonMark recognises it: tags, comments and autolinks inline, and the seven kinds of HTML
// block. Every pattern is sticky (matched at one position) and free of ambiguous nested repetition, so a
// failed attempt costs at most the distance to the next `<` or closing quote.

const TAG_NAME = "[A-Za-z][A-Za-z0-9-]*";
const ATTRIBUTE = "\\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\\s*=\\s*(?:[^\\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?";

/** `<name attr="…" …>` or `<name …/>`; group 1 is the name, group 2 the self-closing slash. */
export const OPEN_TAG = new RegExp(`<(${TAG_NAME})(?:${ATTRIBUTE})*\\s*(/?)>`, "y");
/** `</name>` */
export const CLOSING_TAG = new RegExp(`</${TAG_NAME}\\s*>`, "y");
/** `<scheme:…>`: a URI autolink. (E-mail autolinks need no handling: their `@` follows a letter.) */
export const URI_AUTOLINK = /<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>/y;

/**
 * Elements whose text is code or never shown, so a mention inside does not count. Their content runs to the
 * matching closing tag, or to the end of the block when there is none.
 */
export const HIDDEN_ELEMENTS: ReadonlyMap<string, RegExp> = new Map(
  ["code", "pre", "kbd", "samp", "script", "style", "textarea"].map((name) => [
    name,
    new RegExp(`</${name}\\s*>`, "gi"),
  ]),
);

const BLOCK_TYPE_1 = /^<(?:script|pre|style|textarea)(?:\s|>|$)/i;
const BLOCK_TYPE_6 = new RegExp(
  "^</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|" +
    "dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|" +
    "legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|" +
    "tbody|td|tfoot|th|thead|title|tr|track|ul)(?:\\s|/?>|$)",
  "i",
);
const BLOCK_TYPE_7 = new RegExp(`^(?:<${TAG_NAME}(?:${ATTRIBUTE})*\\s*/?>|</${TAG_NAME}\\s*>)\\s*$`);

const BLOCK_ENDS: readonly (RegExp | undefined)[] = [
  undefined,
  /<\/(?:script|pre|style|textarea)>/i,
  /-->/,
  /\?>/,
  />/,
  /\]\]>/,
];

/**
 * The kind (1–7) of HTML block a line starts, given the text from its first non-space character, or 0.
 * Kind 7 (any lone tag) cannot interrupt a paragraph.
 */
export function htmlBlockStart(rest: string, interruptsParagraph: boolean): number {
  if (rest.charCodeAt(0) !== 0x3c) return 0;
  if (BLOCK_TYPE_1.test(rest)) return 1;
  if (rest.startsWith("<!--")) return 2;
  if (rest.startsWith("<?")) return 3;
  if (/^<![A-Za-z]/.test(rest)) return 4;
  if (rest.startsWith("<![CDATA[")) return 5;
  if (BLOCK_TYPE_6.test(rest)) return 6;
  if (
    !interruptsParagraph &&
    !/^<\/?(?:script|pre|style|textarea)\b/i.test(rest) &&
    BLOCK_TYPE_7.test(rest)
  ) {
    return 7;
  }
  return 0;
}

/** Whether this line ends an HTML block of the given kind; kinds 6 and 7 end at a blank line instead. */
export function htmlBlockEnds(kind: number, line: string): boolean {
  return BLOCK_ENDS[kind]?.test(line) ?? false;
}
