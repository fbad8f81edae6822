// What a mention asks for, read from the triggering note's text: a change, a review or a question. It only
// chooses how much the agent may write (Codex's sandbox mode under `auto`); so when in doubt it says
// "change", since a review or question run in a writable sandbox is still told not to edit, while a change
// run read-only could not do its work. Never used to decide whether to answer at all.
//
//   requestKind("@codex review this MR please")   // "review"
//   requestKind("@codex why does login fail?")    // "question"
//   requestKind("@codex fix the failing test")    // "change"
export type RequestKind = "change" | "review" | "question";

// Words that ask for an edit anywhere in the note make it a change, whatever else it says.
const CHANGE =
  /\b(fix|fixe[sd]|implement|add|change|update|refactor|remove|delete|rename|rewrite|write|create|make|apply|bump|upgrade|migrate|replace|move|edit|commit|push|resolve|address)\b/i;
const REVIEW = /^(please\s+)?(review|re-review|audit|check|look\s+(at|over)|assess|critique|lgtm\b)/i;
const QUESTION =
  /^(please\s+)?(what|why|how|where|when|who|which|is|are|was|were|does|do|did|can|could|would|should|will|explain|describe|summari[sz]e|tell\s+me|list)\b/i;

/** The kind of request, from the note's text (mentions and leading punctuation ignored). */
export function requestKind(note: string): RequestKind {
  const text = note
    .replace(/(^|\s)@[\w.-]+/g, " ")
    .replace(/^[\s,:;.!-]+/, "")
    .trim();
  if (REVIEW.test(text) && !CHANGE.test(text.replace(REVIEW, ""))) return "review";
  if (CHANGE.test(text)) return "change";
  if (QUESTION.test(text) || /\?\s*$/.test(text)) return "question";
  return "change";
}
