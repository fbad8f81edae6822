// The error the CDK app's configuration parsers throw: every problem at once, one line per setting, saying
// what was expected and where to fix it. Values are never repeated (an ARN is harmless, but a pasted token
// in the wrong field would not be).
import type { z } from "zod";

export interface ConfigProblem {
  /** Dotted path inside the stack's configuration, e.g. `projects.0.refs`. */
  setting: string;
  expected: string;
}

export class InfraConfigError extends Error {
  override readonly name = "InfraConfigError";
  readonly problems: readonly ConfigProblem[];

  constructor(what: string, where: string, problems: readonly ConfigProblem[]) {
    super(
      [
        `The ${what} configuration is not valid:`,
        ...problems.map((p) => `  ${p.setting}: ${p.expected}`),
        `Fix ${where} and synthesize again.`,
      ].join("\n"),
    );
    this.problems = problems;
  }
}

/** zod issues as problems; only our own messages and zod's type descriptions, never an input value. */
export function problemsOf(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const setting = issue.path.length === 0 ? "(the whole object)" : issue.path.map(String).join(".");
    let expected: string;
    if (issue.code === "custom") expected = issue.message;
    else if (issue.code === "unrecognized_keys") {
      expected = `unknown setting(s) ${issue.keys.join(", ")}; check the spelling against the documentation`;
    } else if (issue.code === "invalid_type") expected = `${issue.message.replace(/, received .*$/, "")}`;
    else expected = issue.message;
    if (!problems.some((p) => p.setting === setting && p.expected === expected))
      problems.push({ setting, expected });
  }
  return problems;
}
