// Prints the receiver's settings as the markdown table the README carries, from the one list the loader
// uses (WEBHOOK_SETTINGS_DOC): `node bin/run-ts.js scripts/settings-table.ts`. A test keeps them in step.
import { WEBHOOK_SETTINGS_DOC } from "../shared/config/webhook-settings.ts";

export function settingsTable(): string {
  const rows = WEBHOOK_SETTINGS_DOC.map((s) => {
    const fallback = s.default === null ? "" : `\`${s.default}\``;
    const text = s.description.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return `| \`${s.name}\` | ${s.required ? "yes" : "no"} | ${fallback} | ${text} |`;
  });
  return ["| variable | required | default | what it is |", "|---|---|---|---|", ...rows].join("\n");
}

if (process.argv[1]?.endsWith("settings-table.ts")) console.log(settingsTable());
