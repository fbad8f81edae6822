// GitLab's JSON schema for .gitlab-ci.yml (app/assets/javascripts/editor/schema/ci.json in GitLab's
// repository), as the gitlab-ci-local package ships it (pinned in package.json): the package bundles it into
// dist/index.js as an object literal, which this reads out and compiles with ajv. Its `markdownDescription`
// keywords are GitLab's editor hints, unknown to ajv's strict mode.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";

const MARKER = '={$schema:"http://json-schema.org/draft-07/schema#",$id:"https://gitlab.com/.gitlab-ci.yml"';

/** The literal starting at `start` (a `{`), up to its matching `}`; quotes and escapes respected. */
function objectLiteral(source: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (quote !== null) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error("gitlab-ci-local: the CI schema's literal does not end");
}

export function gitlabCiSchema(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const bundle = readFileSync(
    join(dirname(require.resolve("gitlab-ci-local/package.json")), "dist/index.js"),
    "utf8",
  );
  const at = bundle.indexOf(MARKER);
  if (at < 0) throw new Error("gitlab-ci-local: no GitLab CI schema found in dist/index.js (a new version?)");
  // A plain data literal (strings, numbers, !0/!1, arrays, objects): evaluated as such, no code runs.
  return new Function(`return (${objectLiteral(bundle, at + 1)});`)() as Record<string, unknown>;
}

export function gitlabCiValidator(): ValidateFunction {
  // Formats (uri, date-time) are left unchecked: the structure is what this is for.
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(gitlabCiSchema());
}
