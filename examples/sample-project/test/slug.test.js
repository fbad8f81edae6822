// The slug rules that hold today; the accent bug (see src/slug.js) has no test yet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { slugify } from "../src/slug.js";

test("joins words with dashes, in lower case", () => {
  assert.equal(slugify("Hello World"), "hello-world");
});

test("drops punctuation and the dashes it would leave at the ends", () => {
  assert.equal(slugify("  What's new?  "), "what-s-new");
});
