// The `agent-bridge` command: one subcommand a file under cli/commands; this file only dispatches.
import { commands } from "./commands/index.ts";

const usage = `agent-bridge: put Claude Code and Codex to work inside GitLab

Usage: agent-bridge <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}

Run 'agent-bridge <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`agent-bridge: unknown command '${name}'.\n\n${usage}`);
    return 2;
  }
  return (await command.load()).run(rest);
}
