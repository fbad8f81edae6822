// What a subcommand is: its module provides run(args) → exit code; the overview's name and summary live in
// the registry (index.ts), so that listing the commands loads none of them.
export interface Command {
  run(args: string[]): Promise<number>;
}

export interface CommandEntry {
  name: string;
  summary: string;
  /** Imports the command's module; only the command that runs is ever loaded. */
  load(): Promise<Command>;
}
