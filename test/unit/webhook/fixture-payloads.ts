// Loads the Note Hook fixtures of test/fixtures/webhooks and makes varied copies of them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES = [
  "note-on-issue",
  "note-on-merge-request",
  "diff-note-on-merge-request",
  "mention-in-thread-on-merge-request",
  "internal-mention-on-confidential-issue",
] as const;
export type FixtureName = (typeof FIXTURES)[number];

// Free-form JSON that tests edit field by field; typing every GitLab field here would duplicate the schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = Record<string, any>;

const dir = fileURLToPath(new URL("../../fixtures/webhooks/", import.meta.url));

/** A fresh, mutable copy of a fixture's JSON. */
export function fixture(name: FixtureName): Payload {
  return JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as Payload;
}

export function fixtureText(name: FixtureName): string {
  return readFileSync(`${dir}${name}.json`, "utf8");
}

/** A fixture with object_attributes changed (and anything else through `edit`). */
export function variant(
  name: FixtureName,
  attributes: Record<string, unknown>,
  edit?: (payload: Payload) => void,
): Payload {
  const payload = fixture(name);
  Object.assign(payload["object_attributes"], attributes);
  edit?.(payload);
  return payload;
}
