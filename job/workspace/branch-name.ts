// Branch names: the ones the job makes (`claude/12-fix-the-login-page`), and checks on the ones it is given
// (a merge request's source branch, the base branch from the settings). Every name that reaches a git
// command passes one of these checks first, so that no name can be read as an option (`--upload-pack=…`),
// walk out of refs/heads (`..`), or mean a revision expression (`~`, `^`, `:`, `@{`).
// Git's own rules: https://git-scm.com/docs/git-check-ref-format
import { DEFAULT_BRANCH_NAME_TEMPLATE, renderBranchNameTemplate } from "../settings/branch-name-template.ts";

/** A branch name that was refused: `reason` says which rule it broke. Names are not secrets; they are echoed. */
export class InvalidBranchNameError extends Error {
  override readonly name = "InvalidBranchNameError";
  constructor(
    readonly branch: string,
    readonly reason: string,
  ) {
    super(`"${printable(branch)}" cannot be used as a branch name: ${reason}`);
  }
}

export const MAX_SLUG_LENGTH = 40;

// Latin letters that have no decomposition into an ASCII letter and a mark.
const FOLDS: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  ø: "o",
  œ: "oe",
  đ: "d",
  ł: "l",
  þ: "th",
  ð: "d",
};
const MAX_BRANCH_LENGTH = 200;

/**
 * Lowercase ASCII letters and digits joined by single dashes, at most `maxLength` characters, cut at a word
 * boundary where possible. Accents are folded ("Café" → "cafe"); other scripts drop out. May be "".
 *
 *   slugify("Fix: the login page (again)!") === "fix-the-login-page-again"
 */
export function slugify(text: string, maxLength: number = MAX_SLUG_LENGTH): string {
  const words = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[ßæøœđłþð]/g, (letter) => FOLDS[letter] ?? "")
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
  let slug = "";
  for (const word of words) {
    const next = slug === "" ? word : `${slug}-${word}`;
    if (next.length <= maxLength) {
      slug = next;
      continue;
    }
    // A first word longer than the limit is cut; later ones are left out whole.
    if (slug === "") slug = word.slice(0, maxLength);
    break;
  }
  return slug;
}

/**
 * Whether git accepts `name` as a branch (git check-ref-format --branch), and it cannot be mistaken for an
 * option or a revision: the check for names the job is given rather than makes. Returns the broken rule.
 */
export function branchNameProblem(name: string): string | null {
  if (name === "") return "it is empty";
  if (name.length > MAX_BRANCH_LENGTH) return `it is longer than ${MAX_BRANCH_LENGTH} characters`;
  if (name.startsWith("-")) return 'it starts with "-" (it would be read as an option)';
  if (name === "HEAD" || name === "@") return `"${name}" is reserved by git`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(name)) return "it contains a space or a control character";
  if (/[~^:?*[\\]/.test(name)) return "it contains one of ~ ^ : ? * [ \\ (revision syntax)";
  if (name.includes("..")) return 'it contains ".."';
  if (name.includes("@{")) return 'it contains "@{"';
  if (name.includes("//")) return 'it contains "//"';
  if (name.startsWith("/") || name.endsWith("/")) return 'it starts or ends with "/"';
  if (name.endsWith(".")) return 'it ends with "."';
  for (const part of name.split("/")) {
    if (part.startsWith(".")) return 'a part of it starts with "."';
    if (part.endsWith(".lock")) return 'a part of it ends with ".lock"';
  }
  return null;
}

export function assertBranchName(name: string): string {
  const problem = branchNameProblem(name);
  if (problem !== null) throw new InvalidBranchNameError(name, problem);
  return name;
}

const STRICT_BRANCH = /^[a-z0-9][a-z0-9._/-]*$/i;

/**
 * The stricter check for names the job makes: ASCII letters, digits, ".", "_", "-" and "/" only, on top of
 * git's rules. A prefix from the settings that breaks it is refused rather than silently changed.
 */
export function strictBranchNameProblem(name: string): string | null {
  if (!STRICT_BRANCH.test(name)) {
    return 'only ASCII letters, digits, ".", "_", "-" and "/" are allowed, starting with a letter or digit';
  }
  return branchNameProblem(name);
}

/**
 * The branch for an issue: the template (default `{prefix}{iid}-{slug}`) with the request's values, e.g.
 * `claude/12-fix-the-login-page`; just `claude/12` when the title has nothing to slug. Throws
 * InvalidBranchNameError for a prefix or template that gives no valid name.
 */
export function issueBranchName(input: {
  prefix: string;
  iid: number;
  title: string;
  /** AGENT_BRANCH_NAME_TEMPLATE; undefined for the default. */
  template?: string | undefined;
  /** `claude` or `codex`, for `{assistant}` (default: the prefix without its slashes). */
  assistant?: string;
  /** `{kind}`: issue, or prompt for a prompt run's branch (its iid is the pipeline's id). */
  kind?: "issue" | "prompt";
}): string {
  if (!Number.isSafeInteger(input.iid) || input.iid <= 0) {
    throw new InvalidBranchNameError(
      `${input.prefix}${input.iid}`,
      "the issue iid is not a positive integer",
    );
  }
  const template = input.template ?? DEFAULT_BRANCH_NAME_TEMPLATE;
  const name = renderBranchNameTemplate(template, {
    prefix: input.prefix,
    assistant: input.assistant ?? input.prefix.replace(/\/+$/, ""),
    kind: input.kind ?? "issue",
    iid: String(input.iid),
    slug: slugify(input.title),
  });
  const problem = strictBranchNameProblem(name);
  if (problem !== null) {
    const check =
      input.template === undefined
        ? `the branch prefix "${printable(input.prefix)}"`
        : `the branch name template "${printable(template)}" and the prefix "${printable(input.prefix)}"`;
    throw new InvalidBranchNameError(name, `${problem} (check ${check})`);
  }
  return name;
}

/** `name`, then `name-2`, `name-3`, …: the first that `taken` does not hold. */
export function firstFreeBranchName(name: string, taken: ReadonlySet<string>, limit = 100): string {
  if (!taken.has(name)) return name;
  for (let n = 2; n <= limit; n++) {
    const candidate = `${name}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new InvalidBranchNameError(name, `it and ${limit - 1} numbered variants already exist`);
}

/**
 * Where the work goes when the merge request's branch moved under the run and our commit does not apply on
 * its new head: `<branch>-<prefix without slashes>-<short sha>`, e.g. `feature-claude-1a2b3c4`.
 */
export function sideBranchName(input: { branch: string; prefix: string; sha: string }): string {
  const tag = slugify(input.prefix, 30) || "agent";
  const short = input.sha.slice(0, 8);
  if (!/^[0-9a-f]{8}$/.test(short)) throw new InvalidBranchNameError(input.sha, "not a commit sha");
  // Cut a long branch so the result stays within git's and GitLab's limits.
  const base = input.branch.length > 150 ? input.branch.slice(0, 150).replace(/[./-]+$/, "") : input.branch;
  return assertBranchName(`${base}-${tag}-${short}`);
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = text.replace(/[\u0000-\u001f\u007f]/g, "?");
  return visible.length > 120 ? `${visible.slice(0, 120)}…` : visible;
}
