// Keeps GitLab from reading any line of a text the bridge sends as a quick action. GitLab runs quick actions
// (/close, /merge, /approve, /label, ...) found in notes and in issue and merge request descriptions created
// or edited through the API, as the author: the bot, often a Maintainer. Every text the bridge posts carries
// words a model wrote, and the model is an attacker.
//
//   neutralizeQuickActions("Done.\n/merge")  // "Done.\n\u200B/merge": renders the same, runs nothing
//
// GitLab's extractor (lib/gitlab/quick_actions/extractor.rb) matches `^\/(?<cmd>names)(?:[ ](?<arg>.*))?
// (?:\s*\n|$)` on the source text, case-insensitively, after deleting "\r": the slash must be the line's
// first character. A ZERO WIDTH SPACE before it breaks that match, and renders as nothing in Markdown,
// in code blocks and in titles alike (a backslash escape would show in code and titles).
// Every line whose first non-blank character starts a command-shaped word (a slash, then characters up to
// a space or the end of the line) is changed, whatever the name: GitLab's list grows with each release
// and with paid tiers, and Unicode case folding lets odd spellings match. Lines that are indented, in
// code blocks or quotes are changed too, though GitLab skips them today: older versions did not.
// Paths such as "/usr/bin/env" are left alone (no GitLab command name contains a slash).
// It must never change anything else of the text.

const ZERO_WIDTH_SPACE = "\u200B";

// Leading blanks (GitLab deletes "\r", so "\r/close" would start a line), then "/" and a word that ends at
// whitespace or the end of the line. The m flag makes ^ and $ line anchors; \n is the only line break for
// GitLab (Ruby's ^), so a "\r\n" text is handled line by line as well.
const COMMAND_LINE = /^([^\S\n]*)(?=\/[^\s/]+(?:\s|$))/gm;

/** `text` with a zero-width space before the slash of every line GitLab could run as a quick action. */
export function neutralizeQuickActions(text: string): string {
  return text.replace(COMMAND_LINE, `$1${ZERO_WIDTH_SPACE}`);
}

/** The fields of a JSON or form body that GitLab reads quick actions from (notes, commit comments,
 * descriptions), and the title, which people read next to them. */
const TEXT_FIELDS = ["body", "note", "description", "title"] as const;

/**
 * A request body with its text fields neutralized; other fields, and bodies that are not plain objects, as
 * they came. Used by the GitLab client on every POST and PUT, the one place every text sent passes.
 */
export function neutralizeBodyFields<T>(body: T): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  if (!TEXT_FIELDS.some((key) => typeof fields[key] === "string")) return body;
  const copy: Record<string, unknown> = { ...fields };
  for (const key of TEXT_FIELDS) {
    const value = copy[key];
    if (typeof value === "string") copy[key] = neutralizeQuickActions(value);
  }
  return copy as T;
}
