// End to end, the model as an attacker: its answers and merge request description carry quick action lines
// (/close, /merge, /label ~x, /approve, /lock). Through the real path (a note, its webhook to
// `agent-bridge serve`, the sandbox's runner, `agent-bridge run` with the real Claude Code CLI against a
// scripted model) the bot, a Developer who may close, merge and label, posts them; the sandbox runs quick
// actions as GitLab does (test/sandbox/api/quick-actions.test.ts), so nothing may move: the issue stays open,
// the merge request unmerged and unapproved, no label is added, and the text still reads as the model wrote.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMarker } from "../../shared/placeholder/marker.ts";
import { startWorld, type World } from "./support/bridge-world.ts";

const INJECTED = "Done.\n/close\n/merge\n/label ~x\n/approve\n/lock\nNothing else to do.";

let world: World;

beforeAll(async () => {
  world = await startWorld();
  // ~x exists in the project (GitLab's /label adds only existing labels).
  await world.dev.client.ok("POST", `/projects/${world.projectId}/issues`, { title: "Seed", labels: "x" });
});
afterAll(async () => {
  await world?.close();
});

interface Issuable {
  iid: number;
  state: string;
  labels: string[];
  discussion_locked: boolean | null;
  description: string;
}

const visible = (text: string) => text.replace(/\u200B/g, "");

async function mention(path: string, body: string): Promise<number> {
  const note = await world.dev.client.ok<{ id: number }>("POST", `/projects/${world.projectId}${path}`, {
    body,
  });
  await world.served(note.id);
  return note.id;
}

async function placeholderFor(noteId: number): Promise<string> {
  const notes = (await world.state()).notes.filter(
    (n) => n.author_id === world.bot.id && parseMarker(n.body)?.note === noteId,
  );
  expect(notes.map((n) => parseMarker(n.body)?.kind)).toContain("placeholder");
  return notes.find((n) => parseMarker(n.body)?.kind === "placeholder")!.body;
}

async function jobTraces(): Promise<string> {
  return (await world.state()).jobs.map((j) => `--- ${j.name} ${j.status}\n${j.trace}`).join("\n");
}

describe("quick actions a model writes never run", { timeout: 240_000 }, () => {
  it("issue → merge request: the answer and the MR description carry /close, /merge, /label ~x", async () => {
    world.scenarios.set("inject-issue", {
      claude: (turn, { workdir }) =>
        [
          [{ tool: "Read", input: { file_path: `${workdir}/src/greeting.js` } }],
          [
            {
              tool: "Edit",
              input: { file_path: `${workdir}/src/greeting.js`, old_string: "old", new_string: "new" },
            },
          ],
          [{ text: INJECTED }],
        ][turn],
    });
    const issue = await world.dev.client.ok<Issuable>("POST", `/projects/${world.projectId}/issues`, {
      title: "Greeting is outdated",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@claude fix the greeting [scenario:inject-issue]",
    );
    const mr = (await world.state()).merge_requests.find((m) =>
      m.description.includes(`Closes #${issue.iid}`),
    );
    expect(mr, await jobTraces()).toBeDefined();
    // The model's text reached GitLab, readable as written.
    expect(visible(mr!.description)).toContain(INJECTED);
    expect(visible(await placeholderFor(noteId))).toContain(INJECTED);

    const after = await world.dev.client.ok<Issuable>(
      "GET",
      `/projects/${world.projectId}/issues/${issue.iid}`,
    );
    expect(after).toMatchObject({ state: "opened", labels: [], discussion_locked: null });
    const mrAfter = await world.dev.client.ok<Issuable>(
      "GET",
      `/projects/${world.projectId}/merge_requests/${mr!.iid}`,
    );
    expect(mrAfter).toMatchObject({ state: "opened", labels: [], discussion_locked: null });
  });

  it("a reply on a merge request carrying /merge and /approve leaves it unmerged and unapproved", async () => {
    world.scenarios.set("inject-mr", { claude: (turn) => [[{ text: INJECTED }]][turn] });
    await world.dev.client.ok("POST", `/projects/${world.projectId}/repository/commits`, {
      branch: "feature",
      start_branch: "main",
      commit_message: "Add a feature",
      actions: [{ action: "create", file_path: "feature.txt", content: "feature\n" }],
    });
    const mr = await world.dev.client.ok<Issuable>("POST", `/projects/${world.projectId}/merge_requests`, {
      source_branch: "feature",
      target_branch: "main",
      title: "Feature",
    });
    const noteId = await mention(
      `/merge_requests/${mr.iid}/notes`,
      "@claude what does this change? [scenario:inject-mr]",
    );
    expect(visible(await placeholderFor(noteId)), await jobTraces()).toContain(INJECTED);
    const after = await world.dev.client.ok<Issuable>(
      "GET",
      `/projects/${world.projectId}/merge_requests/${mr.iid}`,
    );
    expect(after).toMatchObject({ state: "opened", labels: [], discussion_locked: null });
    const approvals = await world.dev.client.ok<{ approved_by: unknown[] }>(
      "GET",
      `/projects/${world.projectId}/merge_requests/${mr.iid}/approvals`,
    );
    expect(approvals.approved_by).toEqual([]);
  });
});
