// The tables of docs/configuration.md that come from code: each component's inputs (from templates/*.yml) and
// the job's settings (declared in job/settings/). The docs test checks the inputs tables row for row;
// print them with `node bin/run-ts.js test/templates/support/config-tables.ts`.
import { pathToFileURL } from "node:url";
import { JOB_SETTINGS_DOC } from "../../../job/settings/catalog.ts";
import type { JobSettingGroup } from "../../../job/settings/setting.ts";
import { ASSISTANT_NAMES, inputDefinitions } from "./components.ts";
import type { AssistantName } from "./components.ts";

// A table cell: pipes escaped (even inside code spans, for GitHub and GitLab), no line breaks.
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

function code(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === "" ? '`""`' : `\`${text}\``;
}

export function inputRows(assistant: AssistantName): string[] {
  return Object.entries(inputDefinitions(assistant)).map(([name, definition]) => {
    const options = definition["options"] as unknown[] | undefined;
    const regex = definition["regex"] as string | undefined;
    const allowed = options ? options.map(code).join(", ") : regex ? code(regex) : "";
    const columns = [
      code(name),
      String(definition["type"] ?? "string"),
      code(definition["default"]),
      allowed,
      String(definition["description"] ?? ""),
    ];
    return `| ${columns.map(cell).join(" | ")} |`;
  });
}

export function inputsTable(assistant: AssistantName): string {
  return [
    "<!-- prettier-ignore-start -->",
    "| input | type | default | allowed | what it does |",
    "|---|---|---|---|---|",
    ...inputRows(assistant),
    "<!-- prettier-ignore-end -->",
  ].join("\n");
}

export function settingsTable(groups: readonly JobSettingGroup[]): string {
  const rows = JOB_SETTINGS_DOC.filter((doc) => groups.includes(doc.group)).map((doc) => {
    const required = doc.required ? "yes" : "";
    const secret = doc.secret ? "masked" : "";
    const fallback = doc.default ?? "";
    return `| ${[code(doc.name), required, secret, fallback, doc.description].map(cell).join(" | ")} |`;
  });
  return [
    "<!-- prettier-ignore-start -->",
    "| variable | required | secret | default | what it is |",
    "|---|---|---|---|---|",
    ...rows,
    "<!-- prettier-ignore-end -->",
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const assistant of ASSISTANT_NAMES)
    process.stdout.write(`## ${assistant}\n\n${inputsTable(assistant)}\n\n`);
  for (const group of ["gitlab", "event", "agent", "claude", "codex", "trigger"] as const) {
    process.stdout.write(`## ${group}\n\n${settingsTable([group])}\n\n`);
  }
}
