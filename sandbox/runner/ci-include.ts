// `include:` as GitLab's Gitlab::Ci::Config::External::Processor runs it: each entry (`local`, `project` with
// `ref` and `file`, `component`, and plain strings for local files) is read, its own `spec: inputs:` header
// checked against the entry's `inputs` and interpolated, its own includes resolved (a nested `local` is read
// from the project the including file came from, at the same ref), and the files are deep-merged in order with
// the including file's content merged last, so it wins. `remote` and `template` need the internet and are
// refused. Errors read like GitLab's. https://docs.gitlab.com/ci/yaml/#include and
// https://docs.gitlab.com/ci/components/#use-a-component
import { interpolateInputs, parseInputSpecs, resolveInputs, type Result } from "./ci-inputs.ts";
import { isMap } from "./ci-keywords.ts";
import { loadCiYaml } from "./ci-yaml.ts";
import { expandReferences } from "./variable-expansion.ts";

/** Reads the files an include names; the pipeline's permission checks live behind it. */
export interface IncludeSource {
  /** A file of `project` at `ref` (null: the project's default branch), or why it cannot be read. */
  read(project: string, ref: string | null, file: string): Promise<Result<string>>;
}

/** Where a configuration file came from: nested local includes are read from the same place. */
export interface IncludeOrigin {
  project: string;
  ref: string | null;
}

/** GitLab's Gitlab::Ci::Config::External::Context::MAX_INCLUDES. */
export const MAX_INCLUDES = 150;

interface Walk {
  source: IncludeSource;
  variables: Readonly<Record<string, string>>;
  count: number;
}

const entryKeys = new Set([
  "local",
  "project",
  "ref",
  "file",
  "component",
  "inputs",
  "rules",
  "remote",
  "template",
]);

function expand(value: string, variables: Readonly<Record<string, string>>): string {
  return expandReferences(value, (name) => variables[name]);
}

/** Deep merge as ActiveSupport's Hash#deep_merge: hashes merge key by key, anything else is replaced. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** The entries of an `include:` value, each as a hash. */
function entriesOf(value: unknown): Result<Record<string, unknown>[]> {
  const list = Array.isArray(value) ? value : [value];
  const out: Record<string, unknown>[] = [];
  for (const item of list) {
    if (typeof item === "string") out.push(/^https?:\/\//.test(item) ? { remote: item } : { local: item });
    else if (isMap(item)) out.push(item);
    else return { ok: false, error: "Included file must be a string or a hash" };
  }
  return { ok: true, value: out };
}

interface Located {
  origin: IncludeOrigin;
  file: string;
  /** How GitLab names the include in its errors. */
  label: string;
  text: string;
}

async function locate(
  entry: Record<string, unknown>,
  from: IncludeOrigin,
  walk: Walk,
): Promise<Result<Located[]>> {
  const unknown = Object.keys(entry).filter((k) => !entryKeys.has(k));
  if (unknown.length > 0)
    return { ok: false, error: `include config contains unknown keys: ${unknown.join(", ")}` };
  if (entry.rules !== undefined)
    return { ok: false, error: "include:rules is not supported by the sandbox runner" };
  if (entry.remote !== undefined || entry.template !== undefined) {
    return {
      ok: false,
      error: "include:remote and include:template are not supported by the sandbox runner",
    };
  }
  const text = (key: string): string | undefined =>
    typeof entry[key] === "string" ? expand(entry[key] as string, walk.variables) : undefined;
  const local = text("local");
  if (local !== undefined) {
    if (local.includes("*"))
      return { ok: false, error: "include:local with wildcards is not supported by the sandbox runner" };
    const file = local.replace(/^\/+/, "");
    const read = await walk.source.read(from.project, from.ref, file);
    if (!read.ok) return { ok: false, error: `Local file \`${local}\` does not exist!` };
    return { ok: true, value: [{ origin: from, file, label: local, text: read.value }] };
  }
  const project = text("project");
  if (project !== undefined) {
    const ref = text("ref") ?? null;
    const files = Array.isArray(entry.file) ? entry.file : [entry.file];
    if (entry.file === undefined || !files.every((f) => typeof f === "string")) {
      return { ok: false, error: "config should contain a file when using a project" };
    }
    const out: Located[] = [];
    for (const raw of files as string[]) {
      const file = expand(raw, walk.variables);
      const read = await walk.source.read(project, ref, file.replace(/^\/+/, ""));
      if (!read.ok) return read;
      out.push({ origin: { project, ref }, file, label: `${project}:${file}`, text: read.value });
    }
    return { ok: true, value: out };
  }
  const component = text("component");
  if (component !== undefined) return locateComponent(component, walk);
  return { ok: false, error: "Include config should contain local, project, component, remote or template" };
}

/** `<fqdn>/<project path>/<name>@<version>` → templates/<name>.yml or templates/<name>/template.yml of it. */
async function locateComponent(address: string, walk: Walk): Promise<Result<Located[]>> {
  const match = /^([^/]+)\/(.+)\/([^/@]+)@([^@\s]+)$/.exec(address);
  if (!match)
    return {
      ok: false,
      error: `Component '${address}' - must be of the form <fqdn>/<path>/<name>@<version>`,
    };
  const [, fqdn, project, name, version] = match as unknown as [string, string, string, string, string];
  if (fqdn !== walk.variables["CI_SERVER_FQDN"]) {
    return { ok: false, error: `Component '${address}' - FQDN does not match the GitLab instance` };
  }
  if (version.startsWith("~")) {
    return { ok: false, error: `Component '${address}' - ~latest is not supported by the sandbox runner` };
  }
  for (const file of [`templates/${name}.yml`, `templates/${name}/template.yml`]) {
    const read = await walk.source.read(project, version, file);
    if (!read.ok && /not found or access denied/.test(read.error)) {
      return {
        ok: false,
        error: `Component '${address}' - project does not exist or you don't have sufficient permissions`,
      };
    }
    if (read.ok)
      return {
        ok: true,
        value: [{ origin: { project, ref: version }, file, label: address, text: read.value }],
      };
  }
  return { ok: false, error: `Component '${address}' - content not found` };
}

/** One included file: its header checked against `inputs`, interpolated, and its own includes merged in. */
async function expandFile(
  located: Located,
  inputs: unknown,
  walk: Walk,
  depth: number,
): Promise<Result<Record<string, unknown>>> {
  const loaded = loadCiYaml(located.text);
  if (!loaded.ok)
    return { ok: false, error: `Included file \`${located.label}\` does not have valid YAML syntax!` };
  if (inputs !== undefined && !isMap(inputs))
    return { ok: false, error: `include \`${located.label}\`: inputs should be a hash` };
  let content = loaded.value.content ?? {};
  if (loaded.value.header) {
    const specs = parseInputSpecs(loaded.value.header);
    if (!specs.ok) return specs;
    const values = resolveInputs(specs.value, (inputs as Record<string, unknown> | undefined) ?? {});
    if (!values.ok) return { ok: false, error: `\`${located.label}\`: ${values.error}` };
    const interpolated = interpolateInputs(content, values.value, walk.variables);
    if (!interpolated.ok) return { ok: false, error: `\`${located.label}\`: ${interpolated.error}` };
    content = interpolated.value ?? {};
  } else if (inputs !== undefined && Object.keys(inputs).length > 0) {
    return {
      ok: false,
      error: "Given inputs not defined in the `spec` section of the included configuration file",
    };
  }
  if (!isMap(content))
    return { ok: false, error: `Included file \`${located.label}\` does not have valid YAML syntax!` };
  return resolveIncludes(content, located.origin, walk, depth + 1);
}

async function resolveIncludes(
  config: Record<string, unknown>,
  origin: IncludeOrigin,
  walk: Walk,
  depth: number,
): Promise<Result<Record<string, unknown>>> {
  if (config.include === undefined) return { ok: true, value: config };
  const entries = entriesOf(config.include);
  if (!entries.ok) return entries;
  let merged: Record<string, unknown> = {};
  for (const entry of entries.value) {
    const located = await locate(entry, origin, walk);
    if (!located.ok) return located;
    for (const file of located.value) {
      walk.count += 1;
      if (walk.count > MAX_INCLUDES || depth >= MAX_INCLUDES) {
        return { ok: false, error: `Maximum of ${MAX_INCLUDES} nested includes are allowed!` };
      }
      const expanded = await expandFile(file, entry.inputs, walk, depth);
      if (!expanded.ok) return expanded;
      merged = deepMerge(merged, expanded.value);
    }
  }
  const { include: _include, ...own } = config;
  return { ok: true, value: deepMerge(merged, own) };
}

/** The configuration with every include merged in; `origin` is the pipeline's own project and sha. */
export function mergeIncludes(
  config: Record<string, unknown>,
  origin: IncludeOrigin,
  source: IncludeSource,
  variables: Readonly<Record<string, string>>,
): Promise<Result<Record<string, unknown>>> {
  return resolveIncludes(config, origin, { source, variables, count: 0 }, 0);
}
