// Every job variable in one list, derived from the groups' declarations: the table docs/configuration.md is
// checked against (test/templates/docs.test.ts) and the `--help` of `agent-bridge run` and `finalize`.
import { AGENT_VARS } from "./agent-vars.ts";
import { CLAUDE_VARS, CODEX_VARS } from "./assistant-vars.ts";
import { EVENT_VARS, GITLAB_VARS } from "./gitlab-vars.ts";
import { docsOf, type JobSettingDoc, type JobSettingGroup } from "./setting.ts";
import { TRIGGER_VARS } from "./trigger-vars.ts";

/** The table `agent-bridge run --help` and the docs are generated from, in the order they list it. */
export const JOB_SETTINGS_DOC: readonly JobSettingDoc[] = [
  ...docsOf("gitlab", GITLAB_VARS),
  ...docsOf("event", EVENT_VARS),
  ...docsOf("agent", AGENT_VARS),
  ...docsOf("claude", CLAUDE_VARS),
  ...docsOf("codex", CODEX_VARS),
  ...docsOf("trigger", TRIGGER_VARS),
];

/** `--help` text: one entry per variable, grouped, with whether it is required and its default. */
export function jobSettingsHelp(groups: readonly JobSettingGroup[]): string {
  const titles: Record<JobSettingGroup, string> = {
    gitlab: "GitLab (predefined by GitLab CI, except GITLAB_TOKEN)",
    event: "The event",
    agent: "Both assistants",
    claude: "Claude Code only",
    codex: "Codex only",
    trigger: "With TRIGGER_PAYLOAD only (the webhook receiver's rules, applied by the job)",
  };
  return groups
    .map((group) => {
      const entries = JOB_SETTINGS_DOC.filter((doc) => doc.group === group).map((doc) => {
        const tags = [
          doc.required ? "required" : undefined,
          doc.secret ? "secret: masked variable" : undefined,
          doc.default !== null ? `default: ${doc.default}` : undefined,
        ].filter((tag) => tag !== undefined);
        return `  ${doc.name}${tags.length > 0 ? ` (${tags.join("; ")})` : ""}\n      ${doc.description}`;
      });
      return `${titles[group]}:\n${entries.join("\n")}`;
    })
    .join("\n\n");
}
