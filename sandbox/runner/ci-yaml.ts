// Reads .gitlab-ci.yml text into plain data: an optional header document (`spec:` for inputs) and the
// configuration document, with YAML anchors, `<<` merge keys and GitLab's `!reference` tag understood.
import { parseAllDocuments } from "yaml";
import type { Result } from "./ci-inputs.ts";
import { referenceTag } from "./yaml-reference.ts";

export interface CiYamlDocuments {
  header: Record<string, unknown> | null;
  content: unknown;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function loadCiYaml(text: string): Result<CiYamlDocuments> {
  const parsed = parseAllDocuments(text, { merge: true, customTags: [referenceTag], prettyErrors: true });
  const documents = Array.isArray(parsed) ? parsed : [];
  for (const document of documents) {
    const [first] = document.errors;
    if (first) return { ok: false, error: `Invalid YAML: ${first.message}` };
  }
  const values = documents.map((document) => document.toJS({ maxAliasCount: 1000 }) as unknown);
  if (values.length <= 1) return { ok: true, value: { header: null, content: values[0] ?? null } };
  const [header, content] = values;
  if (values.length > 2 || !isMap(header) || !Object.hasOwn(header, "spec")) {
    return {
      ok: false,
      error: "Invalid configuration format: only a `spec:` header document may come before the configuration",
    };
  }
  return { ok: true, value: { header, content } };
}
