// The template new branches are named by (AGENT_BRANCH_NAME_TEMPLATE, the components' branch_name_template):
// text with placeholders, e.g. `{prefix}{iid}-{slug}` → `claude/12-fix-the-login-page`. The settings check a
// template once, by rendering it with sample values and holding the result to git's rules for a branch, so a
// template that could never name a branch is refused before the agent runs; the job renders it again with
// the request's values and checks the name it gets (job/workspace/branch-name.ts).

/** What a template may hold, each in braces. */
export const BRANCH_NAME_PLACEHOLDERS = ["prefix", "assistant", "kind", "iid", "slug"] as const;
export type BranchNamePlaceholder = (typeof BRANCH_NAME_PLACEHOLDERS)[number];
export type BranchNameValues = Record<BranchNamePlaceholder, string>;

/** The name the job gives branches when no template is set. */
export const DEFAULT_BRANCH_NAME_TEMPLATE = "{prefix}{iid}-{slug}";

/** Letters, digits, ". _ - /" and the placeholders; nothing git would read as revision syntax. */
const TEMPLATE_TEXT = /^[A-Za-z0-9._/{}-]+$/;

/**
 * The template with each placeholder replaced. A placeholder whose value is empty takes one separator
 * (`-`, `_`, `.` or `/`) next to it along, so `{iid}-{slug}` with no slug is `12`, not `12-`.
 */
export function renderBranchNameTemplate(template: string, values: BranchNameValues): string {
  // Odd indexes are placeholders, even ones the literal text around them.
  const parts = template.split(/\{([a-z]+)\}/);
  for (let i = 1; i < parts.length; i += 2) {
    const value = values[parts[i] as BranchNamePlaceholder];
    if (value === undefined) {
      parts[i] = `{${parts[i]}}`;
      continue;
    }
    parts[i] = value;
    if (value !== "") continue;
    const before = parts[i - 1] ?? "";
    const after = parts[i + 1] ?? "";
    if (SEPARATOR.test(before.slice(-1))) parts[i - 1] = before.slice(0, -1);
    else if (SEPARATOR.test(after.charAt(0))) parts[i + 1] = after.slice(1);
  }
  return parts.join("");
}

const SEPARATOR = /^[-_./]$/;

/** Why the template cannot name branches, or null. */
export function branchNameTemplateProblem(template: string): string | null {
  if (!TEMPLATE_TEXT.test(template)) {
    return 'a branch name template of letters, digits, ". _ - /" and placeholders in braces';
  }
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)]
    .map((m) => m[1] ?? "")
    .filter((name) => !(BRANCH_NAME_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0 || /\{[^{}]*(\{|$)|(^|\})[^{}]*\}/.test(template)) {
    return `a branch name template whose placeholders are ${BRANCH_NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`;
  }
  if (!template.includes("{iid}")) {
    return "a branch name template with {iid}, so that each issue gets branches of its own";
  }
  const sample = renderBranchNameTemplate(template, {
    prefix: "claude/",
    assistant: "claude",
    kind: "issue",
    iid: "12",
    slug: "fix-the-login-page",
  });
  return refProblem(sample) === null
    ? null
    : `a branch name template that renders to a valid git branch name (it gives "${sample}")`;
}

/** git check-ref-format's rules for a branch, on top of the template's own alphabet. */
function refProblem(name: string): string | null {
  if (name === "" || name.length > 200) return "length";
  if (/^[-/.]|\/$|\.$|\.\.|\/\/|\/\.|\.lock(\/|$)/.test(name)) return "shape";
  return null;
}
