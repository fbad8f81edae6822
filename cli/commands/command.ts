// What every subcommand provides: a name, a one-line summary for the overview, and run(args) → exit code.
export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}
