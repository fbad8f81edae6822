// sandbox/pipelines/trace-masking: masked values never reach the stored trace, however the output is chunked.
import { describe, expect, it } from "vitest";
import { MASK, TraceMasker } from "../../../sandbox/pipelines/trace-masking.ts";

function run(secrets: string[], chunks: string[]): string {
  const masker = new TraceMasker(secrets);
  return chunks.map((c) => masker.push(c)).join("") + masker.flush();
}

describe("TraceMasker", () => {
  it("replaces every occurrence of a secret", () => {
    expect(run(["hunter22!"], ["a hunter22! b hunter22!\n"])).toBe(`a ${MASK} b ${MASK}\n`);
  });

  it("masks a secret split across chunks, one character at a time too", () => {
    const text = "token=glcbt-abcdef123 done\n";
    expect(run(["glcbt-abcdef123"], ["token=glcbt-ab", "cdef123 done\n"])).toBe(`token=${MASK} done\n`);
    expect(run(["glcbt-abcdef123"], [...text])).toBe(`token=${MASK} done\n`);
  });

  it("holds back only what could still become a secret, and releases it at the end", () => {
    const masker = new TraceMasker(["secret-value"]);
    expect(masker.push("plain secr")).toBe("plain ");
    expect(masker.push("ious")).toBe("secriou"); // a trailing "s" may start the secret
    expect(masker.push("!")).toBe("s!");
    expect(masker.push(" secret-")).toBe(" ");
    expect(masker.flush()).toBe("secret-");
  });

  it("masks the longer of two overlapping secrets whole, and treats regex characters literally", () => {
    expect(run(["abc12345", "abc12345-long"], ["x abc12345-long y abc12345\n"])).toBe(
      `x ${MASK} y ${MASK}\n`,
    );
    expect(run(["a.b*c+d?(x)"], ["a.b*c+d?(x) aXbbc\n"])).toBe(`${MASK} aXbbc\n`);
  });

  it("passes output through untouched when nothing is masked", () => {
    const masker = new TraceMasker(["", ""]);
    expect(masker.push("anything")).toBe("anything");
    expect(masker.flush()).toBe("");
  });
});
