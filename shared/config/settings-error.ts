// The error settings loaders throw: every problem at once, one line per variable, saying what the variable
// expects. Never the value: some of these are secrets.

export interface SettingsProblem {
  variable: string;
  expected: string;
}

export class SettingsError extends Error {
  override readonly name = "SettingsError";
  readonly problems: readonly SettingsProblem[];

  constructor(what: string, problems: readonly SettingsProblem[]) {
    super(
      [
        `The ${what} are not valid:`,
        ...problems.map((p) => `  ${p.variable}: ${p.expected}`),
        "Fix these environment variables and start again.",
      ].join("\n"),
    );
    this.problems = problems;
  }
}
