// Finds quick actions in a note or description the way GitLab's Gitlab::QuickActions::Extractor does
// (lib/gitlab/quick_actions/extractor.rb with Banzai::Pipeline::QuickActionPipeline): only top-level
// paragraphs of the Markdown are searched (never fenced or indented code, block quotes, `>>>` blocks, lists,
// HTML blocks or headings); in them a line that starts with "/" and a known command name, in any case,
// optionally followed by one space and arguments, is a command; inline code spans and <tag>…</tag> blocks
// inside the paragraph are skipped. Command lines are taken out of the text, which is then right-stripped.
// It must never run anything: it only splits text into what stays and what GitLab would execute.

export interface ExtractedCommand {
  /** Lower case, as GitLab downcases it. */
  name: string;
  arg: string;
}

export interface Extraction {
  content: string;
  commands: ExtractedCommand[];
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const BLANK = /^[ \t]*$/;
const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const BLOCK_QUOTE = /^ {0,3}>/;
const LEGACY_QUOTE_FENCE = /^>>>[ \t]*$/;
const LIST_ITEM = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
const HTML_BLOCK = /^ {0,3}<[A-Za-z/!?]/;
const INDENTED_CODE = /^(?: {4}|\t)/;

/** For each line, whether it belongs to a top-level paragraph (a `<p>` directly under the document). */
export function topLevelParagraphLines(lines: readonly string[]): boolean[] {
  const inParagraph = lines.map(() => false);
  let fence: { char: string; length: number } | null = null;
  let legacyQuote = false;
  // A block that takes the following non-blank lines: a quote or list item (nested blocks and lazy
  // continuation lines) or an HTML block, each up to a blank line; a list goes on after one when indented.
  let container: "quote" | "list" | "html" | null = null;
  let listGap = false;
  let paragraphStart = -1;

  for (const [i, line] of lines.entries()) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close?.[1] && close[1][0] === fence.char && close[1].length >= fence.length) fence = null;
      continue;
    }
    if (legacyQuote) {
      if (LEGACY_QUOTE_FENCE.test(line)) legacyQuote = false;
      continue;
    }
    if (BLANK.test(line)) {
      paragraphStart = -1;
      if (container === "list") listGap = true;
      else container = null;
      continue;
    }
    if (container === "html" || container === "quote") continue;
    if (container === "list") {
      if (!listGap) continue;
      listGap = false;
      if (/^(?: {2,}|\t)/.test(line) || LIST_ITEM.test(line)) continue;
      container = null;
    }
    const inText = paragraphStart !== -1;
    if (inText && SETEXT_UNDERLINE.test(line)) {
      // The paragraph so far was a heading's text.
      for (let j = paragraphStart; j < i; j++) inParagraph[j] = false;
      paragraphStart = -1;
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open?.[1] && !(open[1][0] === "`" && (open[2] ?? "").includes("`"))) {
      fence = { char: open[1][0] as string, length: open[1].length };
      paragraphStart = -1;
      continue;
    }
    if (LEGACY_QUOTE_FENCE.test(line)) {
      legacyQuote = true;
      paragraphStart = -1;
      continue;
    }
    if (ATX_HEADING.test(line) || THEMATIC_BREAK.test(line)) {
      paragraphStart = -1;
      continue;
    }
    if (BLOCK_QUOTE.test(line) || LIST_ITEM.test(line) || HTML_BLOCK.test(line)) {
      container = BLOCK_QUOTE.test(line) ? "quote" : LIST_ITEM.test(line) ? "list" : "html";
      paragraphStart = -1;
      continue;
    }
    // Four spaces of indentation make code, except in a paragraph's continuation lines.
    if (!inText && INDENTED_CODE.test(line)) continue;
    if (!inText) paragraphStart = i;
    inParagraph[i] = true;
  }
  return inParagraph;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** GitLab's commands_regex: the exclusions (inline code, HTML blocks) first, then `/name[ args]` lines. */
function commandsRegex(names: readonly string[]): RegExp {
  const union = names.map(escapeRegExp).join("|");
  return new RegExp(
    "(?<inline>`[\\s\\S]+?`)" +
      "|(?<html>^<[^>]+?>\\n[\\s\\S]+?\\n<\\/[^>]+?>$)" +
      `|(?:^\\/(?<cmd>${union})(?: (?<arg>[^\\n]*))?(?:\\s*\\n|$))`,
    "gim",
  );
}

/** Takes GitLab's commands out of `text`; `names` are every command name and alias GitLab would know. */
export function extractQuickActions(text: string, names: readonly string[]): Extraction {
  const content = text.replace(/\r/g, "");
  const lines = content.split(/(?<=\n)/);
  const inParagraph = topLevelParagraphLines(lines.map((l) => l.replace(/\n$/, "")));
  const regex = commandsRegex(names);
  const commands: ExtractedCommand[] = [];
  for (let start = 0; start < lines.length; start++) {
    if (!inParagraph[start]) continue;
    let end = start;
    while (end + 1 < lines.length && inParagraph[end + 1]) end++;
    // As GitLab does, a blank line right after the paragraph belongs to it (a command's "\s*\n" may eat it).
    if (lines[end + 1] === "\n") end++;
    const paragraph = lines.slice(start, end + 1).join("");
    const replaced = paragraph.replace(regex, (match: string, ...rest: unknown[]) => {
      const groups = rest.at(-1) as Record<string, string | undefined>;
      if (groups["cmd"] === undefined) return match;
      commands.push({ name: groups["cmd"].toLowerCase(), arg: (groups["arg"] ?? "").trim() });
      return "";
    });
    lines.fill("", start, end + 1);
    lines[start] = replaced;
    start = end;
  }
  return { content: lines.join("").trimEnd(), commands };
}
