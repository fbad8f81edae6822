// job/publish/secret-scan: a diff's added lines and new paths are searched for the job's secret values (also
// encoded) and well-known token shapes; the findings say where, never what.
import { describe, expect, it } from "vitest";
import {
  findSecretsInDiff,
  SecretInChangesError,
  secretNeedles,
  tokenShapesIn,
} from "../../../../job/publish/secret-scan.ts";

const SECRET = "canary-Zq81xT0pLm4VwB7r";

function diffAdding(path: string, lines: string[], start = 1): string {
  return [
    `diff --git a/${path} b/${path}`,
    "new file mode 100644",
    "index 0000000..1111111",
    "--- /dev/null",
    `+++ b/${path}`,
    `@@ -0,0 +${start},${lines.length} @@`,
    ...lines.map((l) => `+${l}`),
    "",
  ].join("\n");
}

describe("findSecretsInDiff", () => {
  it("finds an exact secret value in an added line, with file and line, not the value", () => {
    const findings = findSecretsInDiff(
      diffAdding("src/config.ts", ["const a = 1;", `const key = "${SECRET}";`], 10),
      [SECRET],
    );
    expect(findings).toEqual([{ file: "src/config.ts", line: 11, kind: "secret value" }]);
    expect(JSON.stringify(findings)).not.toContain(SECRET);
  });

  it("finds the value base64-, base64url- and URL-encoded", () => {
    const special = "p@ss/word+with=chars?";
    const encodings = [
      Buffer.from(SECRET).toString("base64"),
      Buffer.from(special).toString("base64url"),
      encodeURIComponent(special),
    ];
    for (const encoded of encodings) {
      expect(
        findSecretsInDiff(diffAdding("x.txt", [`v=${encoded}`]), [SECRET, special]),
        encoded,
      ).toHaveLength(1);
    }
  });

  it("ignores removed and context lines: they were in the repository already", () => {
    const diff = [
      "diff --git a/a.txt b/a.txt",
      "--- a/a.txt",
      "+++ b/a.txt",
      "@@ -1,3 +1,3 @@",
      ` keep ${SECRET}`,
      `-old ${SECRET}`,
      "+new line",
      "",
    ].join("\n");
    expect(findSecretsInDiff(diff, [SECRET])).toEqual([]);
  });

  it("counts new-file line numbers across hunks", () => {
    const diff = [
      "diff --git a/a.txt b/a.txt",
      "--- a/a.txt",
      "+++ b/a.txt",
      "@@ -1 +1 @@",
      "-x",
      "+y",
      "@@ -40,2 +40,3 @@",
      " context",
      "+fine",
      `+${SECRET}`,
      "",
    ].join("\n");
    expect(findSecretsInDiff(diff, [SECRET])).toEqual([{ file: "a.txt", line: 42, kind: "secret value" }]);
  });

  it("finds a secret in a new file's name", () => {
    const diff = diffAdding(`dump-${SECRET}.txt`, ["hello"]);
    expect(findSecretsInDiff(diff, [SECRET]).map((f) => f.kind)).toContain("secret value");
  });

  it("does not treat lines of the header as added lines", () => {
    const diff = diffAdding("a.txt", ["ok"]).replace("+++ b/a.txt", "+++ b/a.txt");
    expect(findSecretsInDiff(diff, [])).toEqual([]);
  });

  it("ignores secret values too short to search for", () => {
    expect(findSecretsInDiff(diffAdding("a.txt", ["true main 1234"]), ["true", "main", "1234", ""])).toEqual(
      [],
    );
    expect(secretNeedles(["short", "  "])).toEqual([]);
  });

  it("finds well-known token shapes without knowing the values", () => {
    const tokens: Array<[string, string]> = [
      ["GitLab token", "glpat-Ab3dE5gH7jK9mN1pQ3sT"],
      ["Anthropic API key", "sk-ant-api03-Xy7Kq2Lm9Nb4Vc6Zx8Ws1Ed"],
      ["OpenAI API key", "sk-proj-4fG7hJ9kL2mN5bV8cX1zQ3wE6rT"],
      ["AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
      ["GitHub token", `ghp_${"aB3dE5gH7jK9mN1pQ3sTuV5wX7yZ9aB1cD3e"}`],
      ["Google API key", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"],
      ["Slack token", "xoxb-1234567890-abcdefghij"],
      ["private key", "-----BEGIN OPENSSH PRIVATE KEY-----"],
    ];
    for (const [kind, token] of tokens) {
      const findings = findSecretsInDiff(diffAdding("leak.txt", [`value = ${token}`]), []);
      expect(findings, kind).toEqual([{ file: "leak.txt", line: 1, kind }]);
    }
  });

  it("leaves placeholders and ordinary code alone", () => {
    const lines = [
      'token: "glpat-xxxxxxxxxxxxxxxxxxxx"',
      "ANTHROPIC_API_KEY=sk-ant-xxxxxxxxxxxxxxxxxxxxxxxx",
      "import sklearn as sk  # sk-learn-style",
      "const mask = 'AKIA' + 'X';",
      "-----BEGIN PUBLIC KEY-----",
    ];
    expect(findSecretsInDiff(diffAdding("docs.md", lines), [])).toEqual([]);
  });

  it("handles quoted paths and binary-as-text lines", () => {
    const diff = diffAdding('"sp\\303\\244ce name.bin"'.replace(/^"|"$/g, ""), [
      `\u0000\u0001${SECRET}\u0002`,
    ]);
    expect(findSecretsInDiff(diff, [SECRET])).toHaveLength(1);
  });
});

describe("tokenShapesIn", () => {
  it("names each shape once per line", () => {
    expect(tokenShapesIn("glpat-Ab3dE5gH7jK9mN1pQ3sT glpat-Zz3dE5gH7jK9mN1pQ3sQ")).toEqual(["GitLab token"]);
  });
});

describe("SecretInChangesError", () => {
  it("says where, what to do, and never the value", () => {
    const error = new SecretInChangesError([
      { file: "a.txt", line: 3, kind: "secret value" },
      { file: null, line: null, kind: "secret value" },
    ]);
    expect(error.message).toContain("secret value in a.txt:3");
    expect(error.message).toMatch(/not committed or pushed/);
    expect(error.message).toMatch(/CI\/CD variables/);
  });
});
