// neutralizeQuickActions against GitLab's own matcher: for every quick action GitLab documents
// (doc/user/project/quick_actions.md, issues, merge requests, epics, work items and commit comments), in
// lower, upper and mixed case, with and without arguments, the raw line is a command for the extractor of
// lib/gitlab/quick_actions/extractor.rb (as the sandbox implements it: ^\/, case-insensitive names, " arg",
// then \s*\n or the end) and the neutralized line is not; lines GitLab skips today (indented, in code) are
// neutralized as well. The text must read the same: taking the zero-width spaces out gives it back.
import { describe, expect, it } from "vitest";
import { extractQuickActions } from "../../../sandbox/api/quick-action-extractor.ts";
import { neutralizeBodyFields, neutralizeQuickActions } from "../../../shared/gitlab/quick-actions.ts";

// Every command and alias named on GitLab's "GitLab quick actions" page, with an example argument.
const DOCUMENTED: Readonly<Record<string, string>> = {
  add_child: "#12",
  add_contacts: "[contact:alex@example.com]",
  add_email: "alex@example.com",
  approve: "",
  assign: "@alex @sam",
  assign_reviewer: "@alex",
  award: ":thumbsup:",
  blocked_by: "#3",
  blocks: "#4",
  cc: "@alex",
  checkin_reminder: "weekly",
  child_epic: "&2",
  clear_health_status: "",
  clear_weight: "",
  clone: "group/other --with_notes",
  close: "",
  confidential: "",
  convert_to_ticket: "alex@example.com",
  copy_metadata: "#7",
  create_merge_request: "fix-branch",
  done: "",
  draft: "",
  due: "in 2 days",
  duplicate: "#9",
  epic: "&1",
  estimate: "1w 3d 2h 14m",
  estimate_time: "2h",
  health_status: "at_risk",
  iteration: "--current",
  label: '~bug ~"needs review"',
  labels: "~bug",
  link: "https://example.com",
  lock: "",
  merge: "",
  milestone: "%v1",
  move: "group/other",
  page: "on-call",
  parent_epic: "&3",
  promote: "",
  promote_to: "epic",
  promote_to_incident: "",
  publish: "",
  react: ":tada:",
  ready: "",
  reassign: "@sam",
  reassign_reviewer: "@sam",
  rebase: "",
  relabel: "~bug",
  relate: "#1 #2",
  remove_child: "#12",
  remove_child_epic: "&2",
  remove_contacts: "[contact:alex@example.com]",
  remove_due_date: "",
  remove_email: "alex@example.com",
  remove_epic: "",
  remove_estimate: "",
  remove_iteration: "",
  remove_label: "~bug",
  remove_milestone: "",
  remove_parent: "",
  remove_parent_epic: "",
  remove_reviewer: "@alex",
  remove_time_estimate: "",
  remove_time_spent: "",
  remove_zoom: "",
  reopen: "",
  request_changes: "",
  request_review: "me",
  reviewer: "@alex",
  set_parent: "#5",
  severity: "S1",
  shrug: "oh well",
  spend: "1h 30m 2018-08-26",
  spend_time: "-1h",
  spent: "30m",
  status: "done",
  submit_review: "",
  subscribe: "",
  tableflip: "argh",
  tag: "v1.2.3 release",
  target_branch: "main",
  timeline: "DB load spiked | 2022-09-07 09:30",
  title: "A new title",
  todo: "",
  type: "issue",
  unapprove: "",
  unassign: "@alex",
  unassign_reviewer: "me",
  unlabel: "~bug",
  unlink: "#3",
  unlock: "",
  unsubscribe: "",
  weight: "3",
  wip: "",
  zoom: "https://zoom.us/j/123",
};
const NAMES = Object.keys(DOCUMENTED);

const commandsIn = (text: string) => extractQuickActions(text, NAMES).commands;
const visible = (text: string) => text.replace(/\u200B/g, "");

function spellings(name: string): string[] {
  const mixed = name.replace(/(^|_)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
  return [...new Set([name, name.toUpperCase(), mixed])];
}

describe("neutralizeQuickActions: every documented quick action", () => {
  for (const name of NAMES) {
    it(`/${name}: raw is a command for GitLab's extractor, neutralized is not, and reads the same`, () => {
      const arg = DOCUMENTED[name] as string;
      for (const spelled of spellings(name)) {
        for (const line of [`/${spelled}`, arg === "" ? `/${spelled} ` : `/${spelled} ${arg}`]) {
          for (const text of [line, `Summary of the work.\n${line}\nMore text.`, `First\r\n${line}\r\n`]) {
            expect(commandsIn(text).map((c) => c.name)).toEqual([name]);
            const out = neutralizeQuickActions(text);
            expect(commandsIn(out)).toEqual([]);
            expect(visible(out)).toBe(text);
          }
        }
      }
    });
  }

  it("neutralizes lines GitLab skips today too: indented by spaces or a tab, in fences, after a \\r", () => {
    for (const text of ["  /close", "\t/merge", "```\n/approve\n```", "~~~\n/label ~x\n~~~", "a\n\r/close"]) {
      const out = neutralizeQuickActions(text);
      expect(out).not.toBe(text);
      expect(visible(out)).toBe(text);
      // GitLab deletes "\r" before matching: what is left must not start a line with the slash.
      expect(out.replace(/\r/g, "")).not.toMatch(/^\//m);
    }
  });

  it("neutralizes every command line of a long text, and only those", () => {
    const text = "/close\nI merged nothing.\n/merge\n/Label ~x\nsee /usr/bin/env and a/b\n/\n//x\n";
    expect(neutralizeQuickActions(text)).toBe(
      "\u200B/close\nI merged nothing.\n\u200B/merge\n\u200B/Label ~x\nsee /usr/bin/env and a/b\n/\n//x\n",
    );
  });

  it("leaves paths and mid-line slashes alone: no GitLab command name holds a slash", () => {
    for (const text of ["/usr/bin/env node", "/etc/passwd", "run it: /close", "a /merge b", "/", "/ close"]) {
      expect(neutralizeQuickActions(text)).toBe(text);
    }
  });

  it("is idempotent: a neutralized text is not changed again", () => {
    const once = neutralizeQuickActions("/close\n  /merge\n");
    expect(neutralizeQuickActions(once)).toBe(once);
  });

  it("catches command-shaped words whatever the name, for names GitLab adds later or folds from Unicode", () => {
    for (const text of ["/some_future_action arg", "/cloſe", "/ＣＬＯＳＥ", "/close\u00a0now"]) {
      expect(visible(neutralizeQuickActions(text))).toBe(text);
      expect(neutralizeQuickActions(text).startsWith("\u200B/")).toBe(true);
    }
  });
});

describe("neutralizeBodyFields", () => {
  it("neutralizes body, note, description and title, and nothing else", () => {
    const out = neutralizeBodyFields({
      body: "/close",
      note: "/merge",
      description: "x\n/approve",
      title: "/title y",
      source_branch: "/close",
      position: { new_path: "/close" },
    });
    expect(out).toEqual({
      body: "\u200B/close",
      note: "\u200B/merge",
      description: "x\n\u200B/approve",
      title: "\u200B/title y",
      source_branch: "/close",
      position: { new_path: "/close" },
    });
  });

  it("hands other bodies back as they came", () => {
    const list = ["/close"];
    expect(neutralizeBodyFields(list)).toBe(list);
    expect(neutralizeBodyFields("/close")).toBe("/close");
    const plain = { name: "eyes" };
    expect(neutralizeBodyFields(plain)).toBe(plain);
  });
});
