// The zod fields the job's settings are read with: URLs, ids, branch names, tool lists, CLI arguments, model
// names, JSON-or-path values, username patterns, secrets. Each says what it expects in its own words and
// never repeats the value (several are secrets); blank means unset (shared/config/env-values.ts).
import { list, problem, raw, required } from "../../shared/config/env-values.ts";
import { splitArgs, SplitArgsError } from "./split-args.ts";

export const IN_CI = "set by GitLab CI (outside CI, set it yourself)";

function httpUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") return undefined;
  return url.toString().replace(/\/+$/, "");
}

export function requiredUrl(what: string) {
  return required(`${what}, ${IN_CI}`).transform(
    (value, ctx) => httpUrl(value) ?? problem(ctx, `an http or https URL (${what}), without credentials`),
  );
}

export function optionalUrl(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return httpUrl(value) ?? problem(ctx, `an http or https URL (${what}), without credentials`);
  });
}

export function positiveId(what: string) {
  return required(`${what}, ${IN_CI}`).transform((value, ctx) =>
    /^[1-9]\d{0,15}$/.test(value) ? Number(value) : problem(ctx, `a positive whole number (${what})`),
  );
}

/** git check-ref-format's rules that matter for a branch name or prefix. */
export function isValidRefName(name: string, { prefix = false } = {}): boolean {
  if (name === "" || name === "@") return false;
  // Control characters (below 0x20, and DEL) are not allowed either.
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  if (/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|\.lock(\/|$)|\/\./.test(name)) return false;
  if (!prefix && (/\/$/.test(name) || /\.$/.test(name))) return false;
  return true;
}

export function branch(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return isValidRefName(value) ? value : problem(ctx, `a branch name (${what}), e.g. main`);
  });
}

/**
 * Claude Code's tool list: names separated by commas or blanks, where a blank inside parentheses belongs to
 * the rule, e.g. `Edit, Bash(git diff:*) mcp__gitlab__update_progress`.
 */
export function parseToolList(text: string): string[] | undefined {
  const tools: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of text) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (depth < 0) return undefined;
    if (depth === 0 && (c === "," || /\s/.test(c))) {
      if (current !== "") tools.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  if (depth !== 0) return undefined;
  if (current !== "") tools.push(current);
  return tools.every((tool) => /^[A-Za-z_][\w.-]*(\(.*\))?$/s.test(tool)) ? tools : undefined;
}

export function toolList() {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const tools = parseToolList(value);
    if (!tools || tools.length === 0) {
      return problem(ctx, 'tool names separated by commas or blanks, e.g. "Edit,Write,Bash(npm test:*)"');
    }
    return tools;
  });
}

export function cliArgs(cli: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return [];
    try {
      return splitArgs(value);
    } catch (error) {
      const why = error instanceof SplitArgsError ? error.message : "cannot be split";
      return problem(ctx, `extra ${cli} arguments, quoted like in a shell (${why})`);
    }
  });
}

export function model() {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return /^[\w.:/@[\]-]{1,200}$/.test(value)
      ? value
      : problem(ctx, "a model name or id (letters, digits and . _ - : / @)");
  });
}

/** JSON text (an object), or a relative path inside the repository (no "..", no leading "/"). */
export function jsonOrPath(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (value.startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return value;
      } catch {
        // reported below
      }
      return problem(ctx, `${what} as a JSON object, or the path of a JSON file in the repository`);
    }
    const parts = value.split("/");
    return !value.startsWith("/") && parts.every((part) => part !== "" && part !== "." && part !== "..")
      ? value
      : problem(ctx, `${what}: a JSON object, or a relative path inside the repository (no ..)`);
  });
}

/** Comma-separated GitLab usernames, `*` a wildcard, lower-cased (GitLab's usernames are case-insensitive). */
export function usernamePatterns() {
  return raw.transform((value, ctx) => {
    const names = list(value).map((name) => name.replace(/^@/, "").toLowerCase());
    return names.every((name) => /^[a-z0-9_.*-]+$/.test(name))
      ? names
      : problem(ctx, "comma-separated GitLab usernames, * matching any characters (e.g. project_*_bot*)");
  });
}

export function secret(what: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    return /\s/.test(value) ? problem(ctx, `${what} without blanks inside`) : value;
  });
}
