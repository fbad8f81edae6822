// The mention rules as a table: which notes summon which assistants. Each row is a note a developer could
// plausibly write (or an attacker could craft) and the assistants it must dispatch; [] means none.
import { describe, expect, it } from "vitest";
import { findMentions, type Assistant, type MentionOptions } from "../../../shared/mention/index.ts";

interface Case {
  name: string;
  note: string;
  expected: Assistant[];
  options?: MentionOptions;
}

const CLAUDE: Assistant[] = ["claude"];
const CODEX: Assistant[] = ["codex"];
const NONE: Assistant[] = [];
const BOT_ALIASES: MentionOptions = { aliases: { claude: ["gitlab-claude-bot"], codex: ["review.bot"] } };

const cases: Case[] = [
  // Plain mentions
  { name: "claude at the start", note: "@claude please fix this", expected: CLAUDE },
  { name: "codex at the start", note: "@codex review this MR", expected: CODEX },
  { name: "upper case", note: "@CLAUDE fix it", expected: CLAUDE },
  { name: "mixed case", note: "hey @CoDeX", expected: CODEX },
  { name: "the handle alone", note: "@claude", expected: CLAUDE },
  { name: "no mention", note: "looks good to me", expected: NONE },
  { name: "empty note", note: "", expected: NONE },
  {
    name: "both, in order of appearance",
    note: "@codex draft it, then @claude review",
    expected: ["codex", "claude"],
  },
  { name: "repeats listed once", note: "@claude @claude @codex @claude", expected: ["claude", "codex"] },
  {
    name: "order follows the text, not a fixed order",
    note: "@codex\n\n@claude",
    expected: ["codex", "claude"],
  },

  // What may come before and after the handle
  { name: "sentence end", note: "thanks @claude.", expected: CLAUDE },
  { name: "ellipsis of dots", note: "over to you @claude...", expected: CLAUDE },
  { name: "comma after", note: "@claude, please look", expected: CLAUDE },
  { name: "question mark", note: "can you fix this @codex?", expected: CODEX },
  { name: "exclamation and colon", note: "@claude! @codex: go", expected: ["claude", "codex"] },
  { name: "in parentheses", note: "ping (@codex)", expected: CODEX },
  { name: "in square brackets", note: "[@claude]", expected: CLAUDE },
  { name: "in double quotes", note: 'say "@claude"', expected: CLAUDE },
  { name: "in single quotes", note: "'@codex'", expected: CODEX },
  { name: "typographic quotes", note: "“@claude”", expected: CLAUDE },
  { name: "possessive", note: "what is @claude's take", expected: CLAUDE },
  { name: "after a newline", note: "first line\n@claude second line", expected: CLAUDE },
  { name: "after a tab mid-line", note: "please\t@claude", expected: CLAUDE },
  { name: "after a no-break space", note: "hi\u00a0@claude", expected: CLAUDE },
  { name: "after cc:", note: "cc:@claude", expected: CLAUDE },
  { name: "after a comma without space", note: "hey,@codex", expected: CODEX },
  { name: "table cell without spaces", note: "|@codex|", expected: CODEX },
  { name: "right after an HTML tag", note: "<b>@claude</b> fix", expected: CLAUDE },
  { name: "emoji right after", note: "@claude🙏 please", expected: CLAUDE },
  { name: "emoji in the BMP right after", note: "@codex✅", expected: CODEX },
  { name: "emoji right before", note: "thanks🙏@codex", expected: CODEX },

  // Not a mention: part of another word, address or name
  { name: "e-mail address", note: "mail me@claude.ai", expected: NONE },
  { name: "dotted e-mail address", note: "x.y@codex.com", expected: NONE },
  { name: "after a letter", note: "foo@claude", expected: NONE },
  { name: "after a slash", note: "path/@claude", expected: NONE },
  { name: "after a dot", note: "end.@claude", expected: NONE },
  { name: "after a hyphen", note: "x-@claude", expected: NONE },
  { name: "after an underscore in a word", note: "foo_@claude", expected: NONE },
  { name: "after a plus", note: "a+@codex", expected: NONE },
  { name: "after an equals sign", note: "u=@codex", expected: NONE },
  { name: "after another @", note: "@@claude", expected: NONE },
  { name: "lone underscore before, no closing one", note: "_@claude", expected: NONE },
  { name: "backslash-escaped", note: "\\@claude is how you write it", expected: NONE },
  { name: "HTML entity for @", note: "&#64;claude", expected: NONE },
  { name: "longer handle", note: "@claudette", expected: NONE },
  { name: "hyphenated handle", note: "@claude-bot", expected: NONE },
  { name: "trailing hyphen is part of a username", note: "@claude- fix", expected: NONE },
  { name: "underscored handle", note: "@codex_2", expected: NONE },
  { name: "dotted handle", note: "@claude.bot", expected: NONE },
  { name: "subgroup path", note: "@claude/sub", expected: NONE },
  { name: "group path ending in the name", note: "@group/claude", expected: NONE },
  { name: "federated-looking address", note: "@claude@example.com", expected: NONE },
  { name: "full-width at sign", note: "＠claude", expected: NONE },
  { name: "Cyrillic a lookalike", note: "@cl\u0430ude", expected: NONE },
  { name: "Greek omicron lookalike", note: "@c\u03bfdex", expected: NONE },
  { name: "zero-width joiner inside", note: "@cla\u200dude", expected: NONE },
  { name: "zero-width space inside", note: "@co\u200bdex", expected: NONE },
  { name: "zero-width joiner right after", note: "@claude\u200d fix", expected: NONE },
  { name: "zero-width space right before", note: "x \u200b@claude", expected: NONE },
  { name: "accented letter right after", note: "@claudeé", expected: NONE },
  { name: "combining mark right after", note: "@claude\u0301", expected: NONE },
  { name: "variation selector right after", note: "@claude\ufe0f", expected: NONE },
  { name: "full-width at sign right after", note: "@claude＠example", expected: NONE },
  { name: "digit from another script right after", note: "@claude\u0663", expected: NONE },

  // Code
  { name: "inline code", note: "run `@claude` to summon", expected: NONE },
  { name: "double-backtick span containing a backtick", note: "``a ` @claude`` ok", expected: NONE },
  { name: "unmatched backtick lengths stay literal", note: "`` @claude ` x", expected: CLAUDE },
  { name: "mention between code spans", note: "`a` @codex `b`", expected: CODEX },
  { name: "code span across lines", note: "`start\n@claude end` done", expected: NONE },
  { name: "fenced code", note: "```\n@claude\n```", expected: NONE },
  { name: "tilde fence", note: "~~~ts\n@codex\n~~~", expected: NONE },
  { name: "fence indented three spaces", note: "   ```\n@claude\n   ```", expected: NONE },
  { name: "fence with info string", note: "```suggestion:-0+0\n@claude\n```", expected: NONE },
  { name: "unclosed fence runs to the end", note: "```\n@claude\n\nstill code @codex", expected: NONE },
  { name: "shorter fence does not close", note: "````\n```\n@claude\n````\n@codex", expected: CODEX },
  { name: "other fence character does not close", note: "~~~\n```\n@claude\n~~~\n@codex", expected: CODEX },
  { name: "mention after a closed fence", note: "```\nx\n```\n@codex please", expected: CODEX },
  {
    name: "four spaces indent is not a fence",
    note: "para\n\n    ```\n    @claude\n    ```",
    expected: NONE,
  },
  { name: "indented code after a blank line", note: "para\n\n    @claude", expected: NONE },
  { name: "tab-indented code", note: "\t@claude", expected: NONE },
  { name: "indented line continuing a paragraph", note: "para\n    @claude", expected: CLAUDE },
  { name: "indented paragraph in a list item", note: "- item\n\n    @claude", expected: CLAUDE },
  { name: "indented code inside a list item", note: "- item\n\n        @claude", expected: NONE },
  {
    name: "fenced code inside a list item",
    note: "- item\n  ```\n  @claude\n  ```\n- @codex",
    expected: CODEX,
  },

  // Quotes
  { name: "block quote", note: "> @claude wrote this", expected: NONE },
  { name: "quote without space", note: ">@claude", expected: NONE },
  { name: "quote with a tab", note: ">\t@claude", expected: NONE },
  { name: "heading inside a quote", note: "> # @claude", expected: NONE },
  { name: "nested quote", note: "> > @claude", expected: NONE },
  { name: "deeply nested quote", note: "> outer\n> > inner\n> > > @codex\n> back @claude", expected: NONE },
  { name: "indented quote marker", note: "   > @claude", expected: NONE },
  { name: "lazy continuation of a quote", note: "> quoted text\n@claude is quoted too", expected: NONE },
  { name: "lazy continuation, indented", note: "> quoted\n    @claude", expected: NONE },
  { name: "blank line ends the quote", note: "> quoted\n\n@claude", expected: CLAUDE },
  { name: "empty quote line ends laziness", note: "> quoted\n>\n@claude", expected: CLAUDE },
  { name: "code fence inside a quote", note: "> ```\n> @claude\n> ```\n\n@codex", expected: CODEX },
  { name: "line after a fence in a quote is not lazy", note: "> ```\n> x\n@claude", expected: CLAUDE },
  { name: "heading after a quote interrupts it", note: "> quote\n# @claude", expected: CLAUDE },
  { name: "list after a quote interrupts it", note: "> quote\n- @codex", expected: CODEX },
  { name: "quote inside a list item", note: "- > @claude\n- @codex", expected: CODEX },
  { name: "GitLab >>> blockquote", note: ">>>\n@claude said\nsomething\n>>>", expected: NONE },
  { name: "after a GitLab >>> blockquote", note: ">>>\n@claude\n>>>\n@codex now", expected: CODEX },
  { name: "unclosed >>> runs to the end", note: ">>>\n@claude\n\n@codex", expected: NONE },
  { name: "code fence inside >>>", note: ">>>\n```\n@claude\n```\n>>>\n@codex", expected: CODEX },

  // HTML
  { name: "HTML comment", note: "<!-- @claude --> hi", expected: NONE },
  {
    name: "HTML comment block across blank lines",
    note: "<!--\n@claude\n\n@codex\n-->\n@codex",
    expected: CODEX,
  },
  { name: "unclosed HTML comment", note: "hi <!-- @claude", expected: NONE },
  { name: "mention after an inline comment", note: "<!-- x -->@claude", expected: CLAUDE },
  { name: "<code> element", note: "use <code>@claude</code> here", expected: NONE },
  {
    name: "<pre> block across blank lines",
    note: "<pre>\n@claude\n\n@claude\n</pre>\n\n@codex",
    expected: CODEX,
  },
  { name: "<CODE> in upper case", note: "<CODE>@claude</CODE>", expected: NONE },
  { name: "<kbd> element", note: "<kbd>@codex</kbd> then @claude", expected: CLAUDE },
  { name: "attribute value", note: '<img alt="ask @claude" src="x.png">', expected: NONE },
  { name: "attribute value spanning lines", note: '<span\ntitle="ask @claude">hi</span>', expected: NONE },
  { name: "href attribute", note: '<a href="https://x/@claude">link</a>', expected: NONE },
  { name: "unclosed inline <pre>", note: "text <pre>@claude", expected: NONE },
  {
    name: "paragraph inside a <div> after a blank line",
    note: "<div>\n\n@claude\n\n</div>",
    expected: CLAUDE,
  },
  {
    name: "text in an HTML block",
    note: "<details>\n<summary>Ask</summary>\n\n@claude do it\n</details>",
    expected: CLAUDE,
  },
  { name: "not a tag: a comparison", note: "if a < b then @codex", expected: CODEX },

  // URLs and links
  { name: "URL path", note: "see https://gitlab.com/@claude", expected: NONE },
  { name: "URL query", note: "http://x/y?u=@codex", expected: NONE },
  // The rows below put a word boundary (",", ";", a space) before the "@", so only the construct hides it.
  { name: "URL query after a semicolon", note: "https://x.com/a?b=1;@claude", expected: NONE },
  { name: "www URL", note: "see www.example.com/a,@claude", expected: NONE },
  { name: "autolink", note: "<https://gitlab.com/@claude>", expected: NONE },
  { name: "autolink without //", note: "<mailto:a,@claude,b>", expected: NONE },
  { name: "link destination", note: "[profile](https://gitlab.com/@claude)", expected: NONE },
  { name: "relative link destination", note: "[profile](users,@claude)", expected: NONE },
  { name: "link text in code", note: "[`@claude`](https://x)", expected: NONE },
  { name: "link destination in angle brackets", note: "[p](<https://x/ @claude>)", expected: NONE },
  { name: "link title", note: '[docs](https://x "ask @claude")', expected: NONE },
  { name: "link text is visible", note: "[@claude](https://gitlab.com/claude)", expected: CLAUDE },
  { name: "image description", note: "![@claude](shot.png)", expected: NONE },
  { name: "mention after a link", note: "[x](https://y) @codex", expected: CODEX },
  { name: "URL then a mention", note: "https://example.com @claude", expected: CLAUDE },

  // Markdown formatting around the mention
  { name: "bold", note: "**@claude** fix this", expected: CLAUDE },
  { name: "italic with underscores", note: "_@codex_ fix this", expected: CODEX },
  { name: "italic with asterisks", note: "*@claude*", expected: CLAUDE },
  { name: "bold with underscores", note: "__@codex__", expected: CODEX },
  { name: "italic with a dot inside", note: "_@codex._", expected: CODEX },
  { name: "strikethrough", note: "~~@claude~~", expected: CLAUDE },
  { name: "heading", note: "# @claude fix the title", expected: CLAUDE },
  { name: "setext heading", note: "Over to @codex\n===", expected: CODEX },
  { name: "bullet list", note: "- first\n- @claude second", expected: CLAUDE },
  { name: "ordered list", note: "1. first\n2. @codex second", expected: CODEX },
  { name: "task list", note: "- [ ] @claude add tests", expected: CLAUDE },
  { name: "table", note: "| who | what |\n|---|---|\n| @claude | tests |", expected: CLAUDE },
  { name: "front matter is code", note: "---\n@claude\n---\n@codex", expected: CODEX },
  { name: "after a thematic break", note: "***\n@claude", expected: CLAUDE },
  { name: "escaped < opens no comment", note: "\\<!-- @claude -->", expected: CLAUDE },
  { name: "escaped backtick opens no code span", note: "\\`code @claude ` x", expected: CLAUDE },

  // Line endings
  { name: "CRLF", note: "first line\r\n@claude please\r\n", expected: CLAUDE },
  { name: "CRLF fence", note: "```\r\n@claude\r\n```\r\n@codex", expected: CODEX },
  { name: "CRLF lazy quote", note: "> quote\r\n@claude", expected: NONE },
  { name: "CR only", note: "> quote\r\r@claude", expected: CLAUDE },

  // Aliases and enabled assistants
  { name: "alias", note: "@gitlab-claude-bot fix", expected: CLAUDE, options: BOT_ALIASES },
  { name: "alias in any case", note: "@GitLab-Claude-Bot fix", expected: CLAUDE, options: BOT_ALIASES },
  {
    name: "alias with a dot, then a full stop",
    note: "ask @review.bot.",
    expected: CODEX,
    options: BOT_ALIASES,
  },
  { name: "longer than the alias", note: "@gitlab-claude-bot-2", expected: NONE, options: BOT_ALIASES },
  { name: "the name still works with aliases", note: "@claude", expected: CLAUDE, options: BOT_ALIASES },
  { name: "alias in code", note: "`@gitlab-claude-bot`", expected: NONE, options: BOT_ALIASES },
  {
    name: "alias and name count once",
    note: "@gitlab-claude-bot @claude",
    expected: CLAUDE,
    options: BOT_ALIASES,
  },
  {
    name: "disabled assistant",
    note: "@claude and @codex",
    expected: CODEX,
    options: { enabled: ["codex"] },
  },
  { name: "nothing enabled", note: "@claude and @codex", expected: NONE, options: { enabled: [] } },
  {
    name: "alias of a disabled assistant",
    note: "@gitlab-claude-bot",
    expected: NONE,
    options: { ...BOT_ALIASES, enabled: ["codex"] },
  },
];

describe("findMentions", () => {
  it("has a case table of at least 60 rows", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)("$name", ({ note, expected, options }) => {
    expect(findMentions(note, options).assistants).toEqual(expected);
  });
});

describe("instruction", () => {
  it("is the note trimmed, mentions kept", () => {
    expect(findMentions("  @claude please **fix** this  \n").instruction).toBe("@claude please **fix** this");
  });

  it("is empty for a bare mention", () => {
    expect(findMentions("@codex")).toEqual({ assistants: ["codex"], instruction: "@codex" });
  });

  it("keeps inner whitespace and line endings as they are", () => {
    expect(findMentions("\r\n@claude  fix\r\n\r\n  this\r\n").instruction).toBe("@claude  fix\r\n\r\n  this");
  });

  it("is the trimmed text when nobody is mentioned", () => {
    expect(findMentions("  just a comment \n")).toEqual({ assistants: [], instruction: "just a comment" });
  });
});
