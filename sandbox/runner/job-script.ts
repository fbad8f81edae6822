// The bash script a job step runs, written like GitLab's shell executor writes it: `set -eo pipefail`, and each
// command echoed as `$ command` just before it runs (a multi-line command shows its first line only). The
// commands go in verbatim: variables are expanded by bash from the environment, never by the runner.

function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function echoLine(command: string): string {
  const lines = command.replace(/\n+$/, "").split("\n");
  const shown = lines.length > 1 ? `${lines[0] ?? ""} # collapsed multi-line command` : (lines[0] ?? "");
  return `$ ${shown}`;
}

export function buildJobScript(commands: readonly string[]): string {
  const out = [
    "#!/usr/bin/env bash",
    // One stream for the trace, so stdout and stderr keep their relative order.
    "exec 2>&1",
    "set -eo pipefail",
    "set +o noclobber",
  ];
  for (const command of commands) {
    out.push(`printf '%s\\n' ${singleQuoted(echoLine(command))}`);
    out.push(command);
  }
  return `${out.join("\n")}\n`;
}
