// Parsers for the values of individual .gitlab-ci.yml keywords (script, variables, image, id_tokens, timeout,
// needs, allow_failure). Each throws a ConfigError whose message names the keyword's path like GitLab does
// (`jobs:build:script config should be …`), so the planner can stop at the first problem.
import { parseCiDuration } from "./ci-duration.ts";

export class ConfigError extends Error {}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const maxScriptNesting = 10;

/** `script`, `before_script`, `after_script`: a string or nested lists of strings, flattened. */
export function parseScript(value: unknown, where: string): string[] {
  const lines: string[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (typeof node === "string") {
      lines.push(node);
      return;
    }
    if (Array.isArray(node) && depth < maxScriptNesting) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    throw new ConfigError(
      `${where} config should be a string or a nested array of strings up to ${maxScriptNesting} levels deep`,
    );
  };
  visit(value, 0);
  return lines;
}

function scalarText(value: unknown): string | null {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/**
 * `variables:` — `NAME: value` or `NAME: { value, description, options, expand }`. A variable with
 * `expand: false` has its `$` doubled so the later expansion step leaves it literal.
 */
export function parseVariables(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isMap(value)) throw new ConfigError(`${where} config should be a hash of key value pairs`);
  const variables: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!/^\w+$/.test(name)) throw new ConfigError(`${where} config uses invalid variable name: ${name}`);
    let text = scalarText(raw);
    if (text === null && isMap(raw)) {
      const unknown = Object.keys(raw).filter(
        (k) => !["value", "description", "options", "expand"].includes(k),
      );
      if (unknown.length > 0)
        throw new ConfigError(`${where}:${name} config contains unknown keys: ${unknown.join(", ")}`);
      text = scalarText(raw.value);
      if (text !== null && raw.expand === false) text = text.replace(/\$/g, "$$$$");
    }
    if (text === null)
      throw new ConfigError(`${where}:${name} config should be a string or a hash with a value`);
    variables[name] = text;
  }
  return variables;
}

/** `image:` — a name, or `{ name, … }`; the sandbox runner records it and runs on the host. */
export function parseImage(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (isMap(value) && typeof value.name === "string") return value.name;
  throw new ConfigError(`${where} config should be a string or a hash with a name`);
}

export type IdTokens = Record<string, { aud: string | string[] }>;

/** `id_tokens:` — `{ NAME: { aud: string | string[] } }`. */
export function parseIdTokens(value: unknown, where: string): IdTokens {
  if (value === undefined || value === null) return {};
  if (!isMap(value)) throw new ConfigError(`${where} config should be a hash`);
  const tokens: IdTokens = {};
  for (const [name, raw] of Object.entries(value)) {
    const aud = isMap(raw) ? raw.aud : undefined;
    const valid =
      typeof aud === "string" ||
      (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === "string"));
    if (!valid)
      throw new ConfigError(
        `${where}:${name} config should be a hash with aud: a string or a list of strings`,
      );
    tokens[name] = { aud: aud as string | string[] };
  }
  return tokens;
}

/** `timeout:` — a GitLab duration, in seconds. */
export function parseTimeout(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const seconds = parseCiDuration(value);
  if (seconds === null) throw new ConfigError(`${where} config should be a duration`);
  return seconds;
}

export interface Need {
  job: string;
  optional: boolean;
}

/** `needs:` — job names or `{ job, optional, artifacts }`; needs on other pipelines are not supported. */
export function parseNeeds(value: unknown, where: string): Need[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new ConfigError(`${where} config should be an array`);
  return value.map((item): Need => {
    if (typeof item === "string") return { job: item, optional: false };
    if (
      isMap(item) &&
      typeof item.job === "string" &&
      item.pipeline === undefined &&
      item.project === undefined
    ) {
      return { job: item.job, optional: item.optional === true };
    }
    throw new ConfigError(
      `${where} entries should be job names or { job, optional }; cross-pipeline needs are not supported`,
    );
  });
}

export interface AllowFailure {
  allowFailure: boolean;
  exitCodes?: number[];
}

/** `allow_failure:` — a boolean or `{ exit_codes: N | [N, …] }`. */
export function parseAllowFailure(value: unknown, where: string): AllowFailure | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return { allowFailure: value };
  if (isMap(value)) {
    const codes = Array.isArray(value.exit_codes) ? value.exit_codes : [value.exit_codes];
    if (codes.length > 0 && codes.every((c) => Number.isInteger(c))) {
      return { allowFailure: false, exitCodes: codes as number[] };
    }
  }
  throw new ConfigError(`${where} config should be a boolean or a hash with exit_codes`);
}
