// The `rules: if:` expression language against a table of GitLab's documented behaviours.
import { describe, expect, it } from "vitest";
import {
  ExpressionSyntaxError,
  evaluateExpression,
  parseExpression,
} from "../../../sandbox/runner/rules-expression.ts";

const variables = {
  CI_PIPELINE_SOURCE: "trigger",
  CI_COMMIT_BRANCH: "main",
  CI_DEFAULT_BRANCH: "main",
  CI_COMMIT_TAG_MESSAGE: "Release v1.2.3",
  FEATURE_BRANCH: "feature/login",
  EMPTY: "",
  AGENT: "claude",
  PATTERN: "/^feat/",
  PATTERN_I: "/^FEAT/i",
  NOT_A_PATTERN: "feature",
  MULTILINE: "first\nsecond",
};

const table: Array<[string, boolean]> = [
  // presence
  ["$CI_PIPELINE_SOURCE", true],
  ["$UNDEFINED", false],
  ["$EMPTY", false],
  ["${AGENT}", true],
  // equality
  ['$CI_PIPELINE_SOURCE == "trigger"', true],
  ['$CI_PIPELINE_SOURCE == "push"', false],
  ["$CI_PIPELINE_SOURCE == 'trigger'", true],
  ['"trigger" == $CI_PIPELINE_SOURCE', true],
  ['$CI_PIPELINE_SOURCE != "push"', true],
  ['$CI_PIPELINE_SOURCE != "trigger"', false],
  ['$UNDEFINED != "x"', true],
  ['$UNDEFINED == "x"', false],
  ["$UNDEFINED == null", true],
  ["$EMPTY == null", false],
  ['$EMPTY == ""', true],
  ["$AGENT != null", true],
  ["null == $UNDEFINED", true],
  ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", true],
  ["$CI_COMMIT_BRANCH == $FEATURE_BRANCH", false],
  ["$UNDEFINED == $ALSO_UNDEFINED", true],
  // patterns
  ["$FEATURE_BRANCH =~ /^feature\\//", true],
  ["$CI_COMMIT_BRANCH =~ /^feature/", false],
  ["$CI_COMMIT_BRANCH !~ /^feature/", true],
  ["$AGENT =~ /CLAUDE/i", true],
  ["$AGENT =~ /CLAUDE/", false],
  ["$CI_COMMIT_TAG_MESSAGE =~ /v\\d+\\.\\d+\\.\\d+/", true],
  ["$UNDEFINED =~ /.*/", true],
  ["$UNDEFINED =~ /./", false],
  ["$MULTILINE =~ /^second$/m", true],
  ["$MULTILINE =~ /^second$/", false],
  ["$FEATURE_BRANCH =~ $PATTERN", true],
  ["$FEATURE_BRANCH =~ $PATTERN_I", true],
  ["$FEATURE_BRANCH =~ $NOT_A_PATTERN", false],
  ["$FEATURE_BRANCH !~ $NOT_A_PATTERN", true],
  ["$FEATURE_BRANCH =~ $UNDEFINED", false],
  // logic and precedence
  ['$CI_PIPELINE_SOURCE == "trigger" && $AGENT == "claude"', true],
  ['$CI_PIPELINE_SOURCE == "trigger" && $AGENT == "codex"', false],
  ['$CI_PIPELINE_SOURCE == "push" || $AGENT == "claude"', true],
  ['$CI_PIPELINE_SOURCE == "push" || $AGENT == "codex"', false],
  ['$AGENT == "codex" && $UNDEFINED || $CI_PIPELINE_SOURCE', true],
  ["$CI_PIPELINE_SOURCE || $UNDEFINED && $EMPTY", true],
  ['($CI_PIPELINE_SOURCE == "push" || $CI_PIPELINE_SOURCE == "trigger") && $AGENT', true],
  ['$CI_PIPELINE_SOURCE == "push" || ($CI_PIPELINE_SOURCE == "trigger" && $EMPTY)', false],
  ['(($AGENT == "claude"))', true],
  ["$EMPTY || $UNDEFINED", false],
  ['"literal"', true],
  ['""', false],
  ["null", false],
];

describe("rules: if: expressions", () => {
  it.each(table)("%s → %s", (expression, expected) => {
    expect(evaluateExpression(expression, variables)).toBe(expected);
  });

  it("gives && precedence over ||", () => {
    const ast = parseExpression("$A || $B && $C");
    expect(ast).toMatchObject({ kind: "logical", op: "||", right: { kind: "logical", op: "&&" } });
  });

  it("reads ${VAR} and $VAR alike", () => {
    expect(parseExpression("${A_1}")).toEqual(parseExpression("$A_1"));
  });

  const invalid = [
    "",
    "$A ==",
    '== "x"',
    "$A = 'x'",
    "!$A",
    "($A",
    "$A)",
    '$A == "unterminated',
    "$A =~ /unterminated",
    "$A =~ /x/g",
    "$A $B",
    "nullish",
    "$A == && $B",
  ];
  it.each(invalid)("rejects %j", (expression) => {
    expect(() => parseExpression(expression)).toThrow(ExpressionSyntaxError);
  });
});
