// GitLab CI/CD inputs: the `spec: inputs:` header, checking the inputs a pipeline was given against it, and
// `$[[ inputs.name ]]` interpolation. Interpolation walks the parsed configuration like GitLab does (keys and
// values), so an input's text can never change the YAML structure: a value that is exactly one `$[[ … ]]` block
// keeps the input's type, a block inside a longer string is replaced by text (arrays as JSON).
import { expandReferences } from "./variable-expansion.ts";

export type InputType = "string" | "number" | "boolean" | "array";

export interface InputSpec {
  type: InputType;
  hasDefault: boolean;
  default?: unknown;
  options?: unknown[];
  regex?: RegExp;
  description?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const specKeys = new Set(["type", "default", "options", "regex", "description"]);
const inputTypes = new Set<string>(["string", "number", "boolean", "array"]);

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseRegex(text: string): RegExp | null {
  const slashed = /^\/(.*)\/$/s.exec(text);
  try {
    return new RegExp(slashed ? (slashed[1] as string) : text);
  } catch {
    return null;
  }
}

/** Reads the header document (`spec: inputs: …`) into input specs. */
export function parseInputSpecs(header: unknown): Result<Map<string, InputSpec>> {
  const specs = new Map<string, InputSpec>();
  if (!isMap(header) || !isMap(header.spec))
    return { ok: false, error: "header:spec config should be a hash" };
  const unknownHeaderKeys = Object.keys(header).filter((k) => k !== "spec");
  if (unknownHeaderKeys.length > 0) {
    return { ok: false, error: `header config contains unknown keys: ${unknownHeaderKeys.join(", ")}` };
  }
  const unknownSpecKeys = Object.keys(header.spec).filter((k) => k !== "inputs");
  if (unknownSpecKeys.length > 0) {
    return { ok: false, error: `header:spec config contains unknown keys: ${unknownSpecKeys.join(", ")}` };
  }
  const inputs = header.spec.inputs ?? {};
  if (!isMap(inputs)) return { ok: false, error: "header:spec:inputs config should be a hash" };
  for (const [name, raw] of Object.entries(inputs)) {
    const where = `header:spec:inputs:${name}`;
    const definition = raw ?? {};
    if (!isMap(definition)) return { ok: false, error: `${where} config should be a hash` };
    const unknown = Object.keys(definition).filter((k) => !specKeys.has(k));
    if (unknown.length > 0)
      return { ok: false, error: `${where} config contains unknown keys: ${unknown.join(", ")}` };
    const type = definition.type ?? "string";
    if (typeof type !== "string" || !inputTypes.has(type)) {
      return { ok: false, error: `${where} input type unknown value: ${String(type)}` };
    }
    const spec: InputSpec = { type: type as InputType, hasDefault: Object.hasOwn(definition, "default") };
    if (spec.hasDefault) spec.default = definition.default;
    if (definition.options !== undefined) {
      if (!Array.isArray(definition.options) || (type !== "string" && type !== "number")) {
        return { ok: false, error: `${where} options can only be a list, on string and number inputs` };
      }
      spec.options = definition.options;
    }
    if (definition.regex !== undefined) {
      const regex = typeof definition.regex === "string" ? parseRegex(definition.regex) : null;
      if (!regex || type !== "string") {
        return { ok: false, error: `${where} regex should be a valid regular expression, on a string input` };
      }
      spec.regex = regex;
    }
    if (typeof definition.description === "string") spec.description = definition.description;
    specs.set(name, spec);
  }
  return { ok: true, value: specs };
}

// Values arriving over an API form (trigger variables, query strings) are text: accept the obvious spellings.
function coerce(type: InputType, value: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case "string":
      return typeof value === "string" ? { ok: true, value } : { ok: false };
    case "number":
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value))
        return { ok: true, value: Number(value) };
      return { ok: false };
    case "boolean":
      if (typeof value === "boolean") return { ok: true, value };
      if (value === "true" || value === "false") return { ok: true, value: value === "true" };
      return { ok: false };
    case "array":
      if (Array.isArray(value)) return { ok: true, value };
      if (typeof value === "string") {
        try {
          const parsed: unknown = JSON.parse(value);
          if (Array.isArray(parsed)) return { ok: true, value: parsed };
        } catch {
          // not JSON: fall through to the type error
        }
      }
      return { ok: false };
  }
}

const typeNoun: Record<InputType, string> = {
  string: "a string",
  number: "a number",
  boolean: "a boolean",
  array: "an array",
};

/** Checks the given inputs against the specs and fills in defaults; errors read like GitLab's. */
export function resolveInputs(
  specs: ReadonlyMap<string, InputSpec>,
  given: Readonly<Record<string, unknown>>,
): Result<Record<string, unknown>> {
  const unknown = Object.keys(given).filter((name) => !specs.has(name));
  if (unknown.length > 0) return { ok: false, error: `unknown input arguments: ${unknown.join(", ")}` };
  const errors: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    const provided = Object.hasOwn(given, name);
    const which = provided ? "provided value" : "default value";
    if (!provided && !spec.hasDefault) {
      errors.push(`\`${name}\` input: required value has not been provided`);
      continue;
    }
    const coerced = coerce(spec.type, provided ? given[name] : spec.default);
    if (!coerced.ok) {
      errors.push(`\`${name}\` input: ${which} is not ${typeNoun[spec.type]}`);
      continue;
    }
    const value = coerced.value;
    if (spec.options && !spec.options.some((option) => option === value)) {
      errors.push(
        `\`${name}\` input: \`${String(value)}\` cannot be used because it is not in the list of allowed options`,
      );
      continue;
    }
    if (spec.regex && typeof value === "string" && !spec.regex.test(value)) {
      errors.push(`\`${name}\` input: ${which} does not match required RegEx pattern`);
      continue;
    }
    values[name] = value;
  }
  if (errors.length > 0) return { ok: false, error: `inputs: ${errors.join(", ")}` };
  return { ok: true, value: values };
}

const block = /\$\[\[\s*(.*?)\s*\]\]/g;
const wholeBlock = /^\$\[\[\s*(.*?)\s*\]\]$/s;

class InterpolationError extends Error {}

function stringify(value: unknown): string {
  if (Array.isArray(value) || isMap(value)) return JSON.stringify(value);
  return String(value);
}

function posixEscape(text: string): string {
  return text.replace(/[^A-Za-z0-9_\-./=:,@%+]/g, (c) => (c === "\n" ? "'\n'" : `\\${c}`));
}

// `inputs.name | expand_vars | truncate(0,8) | posix_escape`
function evaluateBlock(
  content: string,
  inputs: Readonly<Record<string, unknown>>,
  variables: Readonly<Record<string, string>>,
): unknown {
  const [access, ...functions] = content.split("|").map((part) => part.trim());
  const key = /^inputs\.([\w-]+)$/.exec(access ?? "");
  if (!key) throw new InterpolationError(`unknown interpolation key: \`${access ?? ""}\``);
  const name = key[1] as string;
  if (!Object.hasOwn(inputs, name)) throw new InterpolationError(`unknown interpolation key: \`${name}\``);
  let value: unknown = inputs[name];
  for (const fn of functions) {
    const truncate = /^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(fn);
    if (fn === "expand_vars") {
      // GitLab leaves references to unknown variables untouched here.
      value = expandReferences(stringify(value), (ref) =>
        Object.hasOwn(variables, ref) ? variables[ref] : `$${ref}`,
      );
    } else if (fn === "posix_escape") {
      value = posixEscape(stringify(value));
    } else if (truncate) {
      const offset = Number(truncate[1]);
      value = stringify(value).slice(offset, offset + Number(truncate[2]));
    } else {
      throw new InterpolationError(
        `no function matching \`${fn}\`: check that the function name and arguments are correct`,
      );
    }
  }
  return value;
}

function interpolateString(
  text: string,
  inputs: Readonly<Record<string, unknown>>,
  variables: Readonly<Record<string, string>>,
): unknown {
  const whole = wholeBlock.exec(text);
  if (whole && !(whole[1] as string).includes("]]"))
    return evaluateBlock(whole[1] as string, inputs, variables);
  return text.replace(block, (_m, content: string) => stringify(evaluateBlock(content, inputs, variables)));
}

function walk(
  node: unknown,
  inputs: Readonly<Record<string, unknown>>,
  variables: Readonly<Record<string, string>>,
): unknown {
  if (typeof node === "string") return interpolateString(node, inputs, variables);
  if (Array.isArray(node)) return node.map((item) => walk(item, inputs, variables));
  if (isMap(node) && Object.getPrototypeOf(node) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[stringify(interpolateString(key, inputs, variables))] = walk(value, inputs, variables);
    }
    return out;
  }
  return node;
}

/** Replaces every `$[[ inputs.x ]]` in the keys and values of a parsed configuration. */
export function interpolateInputs(
  config: unknown,
  inputs: Readonly<Record<string, unknown>>,
  variables: Readonly<Record<string, string>>,
): Result<unknown> {
  try {
    return { ok: true, value: walk(config, inputs, variables) };
  } catch (error) {
    if (error instanceof InterpolationError) return { ok: false, error: error.message };
    throw error;
  }
}
