// `rules:` lists (a job's and `workflow:`'s): the first rule whose clauses all hold decides; no match means the
// job (or pipeline) is left out. `changes:` counts as true, as GitLab does for pipelines not created by a push;
// `exists:` needs the repository tree and is not supported.
import { ConfigError, isMap, parseAllowFailure, parseNeeds, parseVariables } from "./ci-keywords.ts";
import type { AllowFailure, Need } from "./ci-keywords.ts";
import { ExpressionSyntaxError, evaluateExpression, parseExpression } from "./rules-expression.ts";
import type { Expression } from "./rules-expression.ts";

export type When = "on_success" | "on_failure" | "always" | "manual" | "delayed" | "never";

const whens = new Set<string>(["on_success", "on_failure", "always", "manual", "delayed", "never"]);

export interface RuleOutcome {
  when: When;
  allowFailure?: AllowFailure;
  variables: Record<string, string>;
  needs?: Need[];
}

const jobRuleKeys = [
  "if",
  "when",
  "variables",
  "allow_failure",
  "changes",
  "exists",
  "needs",
  "start_in",
  "interruptible",
];
const workflowRuleKeys = ["if", "when", "variables", "changes", "exists", "auto_cancel"];

export function parseWhen(value: unknown, where: string): When | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !whens.has(value)) {
    throw new ConfigError(
      `${where} config should be on_success, on_failure, always, manual, delayed or never`,
    );
  }
  return value as When;
}

/**
 * Evaluates a `rules:` list; returns null when no rule matches. `kind` picks the keys a rule may use.
 * `defaultWhen` is what a matching rule without `when:` yields (the job's own `when:` or on_success).
 */
export function evaluateRules(
  rules: unknown,
  where: string,
  kind: "job" | "workflow",
  variables: Readonly<Record<string, string>>,
  defaultWhen: When,
): RuleOutcome | null {
  if (!Array.isArray(rules)) throw new ConfigError(`${where} config should be an array of hashes`);
  const allowed = kind === "job" ? jobRuleKeys : workflowRuleKeys;
  // GitLab rejects a configuration with a broken rule even when an earlier rule would match: parse them all.
  const parsed = rules.map((rule, index) => {
    const at = `${where}:rule`;
    if (!isMap(rule)) throw new ConfigError(`${at} config should be a hash`);
    const unknown = Object.keys(rule).filter((k) => !allowed.includes(k));
    if (unknown.length > 0)
      throw new ConfigError(`${at} config contains unknown keys: ${unknown.join(", ")}`);
    if (rule.exists !== undefined)
      throw new ConfigError(`${at} exists is not supported by the sandbox runner`);
    let condition: Expression | null = null;
    if (rule.if !== undefined) {
      if (typeof rule.if !== "string") throw new ConfigError(`${at} if should be a string`);
      try {
        condition = parseExpression(rule.if);
      } catch (error) {
        if (!(error instanceof ExpressionSyntaxError)) throw error;
        throw new ConfigError(`${at} if invalid expression syntax: ${error.message}`);
      }
    }
    const outcome: RuleOutcome = {
      when: parseWhen(rule.when, `${at} when`) ?? defaultWhen,
      variables: parseVariables(rule.variables, `${where}:rules:${index}:variables`),
    };
    const allowFailure = parseAllowFailure(rule.allow_failure, `${at} allow_failure`);
    if (allowFailure) outcome.allowFailure = allowFailure;
    const needs = parseNeeds(rule.needs, `${at} needs`);
    if (needs) outcome.needs = needs;
    return { condition, outcome };
  });
  for (const { condition, outcome } of parsed) {
    try {
      if (condition === null || evaluateExpression(condition, variables)) return outcome;
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      throw new ConfigError(`${where}:rule if invalid expression syntax: ${error.message}`);
    }
  }
  return null;
}
