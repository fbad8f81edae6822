// Untrusted GitLab text (titles, descriptions, notes, paths, job logs) made safe to hand to the agent as
// data. Anyone who can comment can try to steer the agent with text a human reviewer never sees: HTML
// comments, zero-width and bidi control characters, Unicode tag characters, CSS-hidden elements, image alt
// texts and link titles, markdown "comment" link definitions. All of it is removed here, and the delimiters
// the prompt uses are neutralized so that a note cannot close the data block it is quoted in.
// Pure: text in, text out. It must never drop visible text a reader of the note would see.

/** Tag names the prompt (or the agent CLIs) give meaning to; in untrusted text they are defused. */
export const RESERVED_TAGS = [
  "instruction",
  "context",
  "gitlab-context",
  "system",
  "system-reminder",
  "assistant",
  "human",
  "user-prompt",
  "agent-bridge",
] as const;

// Characters with no glyph that can hide or reorder text: C0/C1 controls (but tab and newline), soft hyphen,
// combining grapheme joiner, Arabic letter mark, Hangul and Khmer fillers, Mongolian vowel separator and
// variation selectors, zero-width space/joiners, LRM/RLM, bidi embeddings, overrides and isolates, word
// joiner and invisible operators, variation selectors (they can smuggle bytes), BOM, interlinear
// annotations, musical formatting, Unicode tags and the variation selectors supplement.
const INVISIBLE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- these are the characters to find
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB]|\uD834[\uDD73-\uDD7A]|\uDB40[\uDC00-\uDDEF]/g;

const NAMED_INVISIBLE_ENTITIES =
  /&(?:zwj|zwnj|shy|lrm|rlm|NoBreak|ZeroWidthSpace|InvisibleTimes|InvisibleComma|ic|it|af|ApplyFunction|NegativeThinSpace|NegativeMediumSpace|NegativeThickSpace|NegativeVeryThinSpace);/g;

const VOID_ELEMENTS = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);

// Elements whose content is never shown as text.
const ALWAYS_HIDDEN = new Set(["style", "script", "template", "noscript", "head", "title"]);

/** Strips every hidden-text trick from untrusted markdown and defuses the prompt's delimiters. */
export function sanitizeText(input: string): string {
  let text = input.replace(/\r\n?/g, "\n").replace(/[\u2028\u2029]/g, "\n");
  text = stripHtmlComments(text);
  text = decodeInvisibleEntities(text);
  text = stripInvisible(text);
  text = stripHiddenElements(text);
  text = stripHiddenAttributes(text);
  text = stripMarkdownHiddenText(text);
  text = neutralizeMarkers(text);
  return text;
}

/**
 * A single line of untrusted text (a title, a path, a job name, a branch name): sanitized, on one line,
 * at most `max` characters.
 */
export function sanitizeLine(input: string, max = 300): string {
  const line = sanitizeText(input).replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A CI job log: ANSI escapes, GitLab's collapsible-section markers and carriage-return progress redraws
 * removed, then the invisible characters and the prompt's delimiters, as in any untrusted text.
 */
export function sanitizeLog(input: string): string {
  const lines = input
    // GitLab's section markers: "section_start:1700000000:name[collapsed=true]\r\x1b[0K".
    // eslint-disable-next-line no-control-regex -- ESC is what marks them
    .replace(/section_(?:start|end):\d+:[^\r\n]{0,300}?\r\x1b\[0K/g, "")
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, "")
    .replace(/\r\n/g, "\n")
    .split("\n")
    // A progress bar redraws its line after "\r": a reader sees only the last version.
    .map((line) => line.slice(line.lastIndexOf("\r") + 1));
  return neutralizeMarkers(revealInvisible(lines.join("\n")));
}

/**
 * Code and paths from the repository (a diff hunk, a file name): nothing is removed, since a reviewer must
 * see a Trojan Source trick rather than have it silently fixed; invisible characters are shown as
 * `⟨U+202E⟩`, and the prompt's delimiters defused.
 */
export function sanitizeCode(text: string): string {
  return neutralizeMarkers(revealInvisible(text.replace(/\r\n/g, "\n")));
}

/** Each invisible character written as `⟨U+XXXX⟩`. */
export function revealInvisible(text: string): string {
  return text.replace(INVISIBLE, (char) => {
    if (char === "\t") return char;
    const code = char.codePointAt(0) ?? 0;
    return `⟨U+${code.toString(16).toUpperCase().padStart(4, "0")}⟩`;
  });
}

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, "");
}

/** `<!-- ... -->`, and an unterminated `<!--` hides everything after it. */
export function stripHtmlComments(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, "");
}

/** Numeric and named character references to invisible characters: `&#8203;`, `&#x200B;`, `&zwj;`. */
function decodeInvisibleEntities(text: string): string {
  return text
    .replace(
      /&#(?:x([0-9a-f]{1,6})|(\d{1,7}));?/gi,
      (entity, hex: string | undefined, dec: string | undefined) => {
        const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
        if (!Number.isFinite(code) || code > 0x10ffff) return "";
        const char = String.fromCodePoint(code);
        return stripInvisible(char) === "" ? "" : entity;
      },
    )
    .replace(NAMED_INVISIBLE_ENTITIES, "");
}

/**
 * Removes elements a browser would not show: `<style>`, `<script>`, `<template>`..., and any element with
 * the `hidden` attribute or an inline style that hides it (display:none, visibility:hidden, font-size:0,
 * opacity:0, off-screen positioning, clipping), with everything inside. An unclosed hidden element hides
 * the rest of the text. `<details>` stays: its content is one click away.
 */
export function stripHiddenElements(input: string): string {
  let text = input;
  const opening =
    /<([a-zA-Z][\w:-]*)((?:\s+[^\s<>"'=/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*)\s*\/?>/g;
  let match: RegExpExecArray | null;
  while ((match = opening.exec(text)) !== null) {
    const tag = (match[1] ?? "").toLowerCase();
    if (!ALWAYS_HIDDEN.has(tag) && !hidesElement(match[2] ?? "")) continue;
    const start = match.index;
    const afterOpen = start + match[0].length;
    const end =
      VOID_ELEMENTS.has(tag) || match[0].endsWith("/>") ? afterOpen : closingEnd(text, tag, afterOpen);
    text = text.slice(0, start) + text.slice(end);
    // Go on from where the element was: what follows it may be hidden too.
    opening.lastIndex = start;
  }
  return text;
}

function hidesElement(attributes: string): boolean {
  if (/(?:^|\s)hidden(?:\s|=|$)/i.test(attributes)) return true;
  const style = /(?:^|\s)style\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))/i.exec(attributes);
  return style ? hidesByStyle(style[1] ?? style[2] ?? style[3] ?? "") : false;
}

// Zero: "0", "0.0", "0px", "0em", "0%" (not 0.5).
const ZERO = String.raw`0(?:\.0*)?(?:[a-z]+|%)?\s*(?:!important\s*)?(?:;|$)`;
const HIDING_STYLES = [
  /display\s*:\s*none/i,
  /visibility\s*:\s*(?:hidden|collapse)/i,
  /color\s*:\s*transparent/i,
  /clip(?:-path)?\s*:/i,
  /(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}/i,
  new RegExp(String.raw`(?:^|[;\s])(?:font-size|opacity)\s*:\s*${ZERO}`, "i"),
];
const ZERO_SIZE = new RegExp(String.raw`(?:^|[;\s])(?:max-)?(?:height|width)\s*:\s*${ZERO}`, "i");

/** Inline CSS that hides an element's text (GitLab strips most styles, but the raw markdown keeps them). */
function hidesByStyle(css: string): boolean {
  if (HIDING_STYLES.some((pattern) => pattern.test(css))) return true;
  return ZERO_SIZE.test(css) && /overflow\s*:\s*hidden/i.test(css);
}

/** The end of the element opened before `from`, nested same-name elements counted; the text's end if unclosed. */
function closingEnd(text: string, tag: string, from: number): number {
  const pattern = new RegExp(`<(/?)${tag.replace(/[-:]/g, "\\$&")}(?=[\\s/>])[^>]*>`, "gi");
  pattern.lastIndex = from;
  let depth = 1;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    if (match[1] === "/") depth--;
    else if (!match[0].endsWith("/>")) depth++;
    if (depth === 0) return match.index + match[0].length;
  }
  return text.length;
}

/** Attributes whose text is not on the page: alt, title, aria labels, data-*, placeholder. */
export function stripHiddenAttributes(text: string): string {
  return text.replace(/<[a-zA-Z][^<>]*>/g, (tag) =>
    tag.replace(
      /\s(?:alt|title|aria-label|aria-description|placeholder|data-[\w-]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+)/gi,
      "",
    ),
  );
}

/**
 * Markdown that hides text: image alt texts (`![hidden](url)`), link titles (`[a](url "hidden")`), and link
 * reference definitions used as comments (`[//]: # (hidden)`, `[comment]: <> (hidden)`), which render as
 * nothing; other definitions lose their titles.
 */
export function stripMarkdownHiddenText(text: string): string {
  return (
    text
      .replace(/^ {0,3}\[[^\]\n]+\]:[ \t]*(?:#|<>)(?:[ \t]+.*)?$\n?/gm, "")
      .replace(/^( {0,3}\[[^\]\n]+\]:[ \t]*\S+)[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))[ \t]*$/gm, "$1")
      // No "[" inside an alt text, no "(" or "]" inside a link target: each match stops at the next one, so
      // a note made of "![![![" costs linear time, not quadratic.
      .replace(/!\[[^[\]\n]*\]\(/g, "![](")
      .replace(/(\]\(\s*<?[^\s()<>\]]+>?)\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))\s*\)/g, "$1)")
  );
}

const RESERVED_TAG_PATTERN = new RegExp(
  `<(\\s*/?\\s*)(${[...RESERVED_TAGS].sort((a, b) => b.length - a.length).join("|")})(?=[\\s/>=]|$)`,
  "gi",
);

/**
 * Defuses the prompt's own delimiters (`<context>`, `</instruction>`, ...) in untrusted text: the "<" becomes
 * "‹", so the text reads the same to the agent but can no longer open or close a block. Also defuses the
 * bridge's note markers, should one survive in text that is not an HTML comment.
 */
export function neutralizeMarkers(text: string): string {
  return text
    .replace(RESERVED_TAG_PATTERN, (_match, slash: string, name: string) => `‹${slash}${name}`)
    .replace(/<!--\s*agent-bridge:/gi, "‹!-- agent-bridge:");
}
