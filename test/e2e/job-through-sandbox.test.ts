// End to end: a note in the sandbox GitLab, its webhook to `agent-bridge serve`, a pipeline of the real CI
// components run by the sandbox's runner, `agent-bridge run` with the real Claude Code or Codex CLI answering
// a scripted model, and the outcome read back from GitLab's state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMarker } from "../../shared/gitlab/marker.ts";
import { startWorld, type World } from "./support/bridge-world.ts";

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

async function mention(path: string, body: string): Promise<number> {
  const note = await world.dev.client.ok<{ id: number }>("POST", `/projects/${world.projectId}${path}`, {
    body,
  });
  await world.sandbox.idle();
  return note.id;
}

async function placeholderFor(noteId: number, assistant: "claude" | "codex" = "claude"): Promise<string> {
  const state = await world.state();
  const found = state.notes.filter((n) => {
    const marker = parseMarker(n.body);
    return (
      n.author_id === world.bot.id &&
      marker?.kind === "placeholder" &&
      marker.note === noteId &&
      marker.assistant === assistant
    );
  });
  expect(found, `one ${assistant} placeholder for note ${noteId}`).toHaveLength(1);
  return found[0]!.body;
}

async function raw(path: string, ref: string): Promise<string> {
  const answer = await world.admin.call<string>(
    "GET",
    `/projects/${world.projectId}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
  );
  return answer.status === 200 ? answer.body : `(${answer.status})`;
}

async function jobTraces(): Promise<string> {
  return (await world.state()).jobs.map((j) => `--- ${j.name} ${j.status}\n${j.trace}`).join("\n");
}

describe("issue → merge request", { timeout: 180_000 }, () => {
  it("Claude edits the file, and the answer is a merge request that closes the issue", async () => {
    world.scenarios.set("claude-issue", {
      claude: (turn, { workdir }) =>
        [
          [{ tool: "Read", input: { file_path: `${workdir}/src/greeting.js` } }],
          [
            {
              tool: "Edit",
              input: { file_path: `${workdir}/src/greeting.js`, old_string: "old", new_string: "new" },
            },
          ],
          [{ text: "Changed the greeting from old to new." }],
        ][turn],
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Greeting is outdated",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@claude please fix the greeting [scenario:claude-issue]",
    );
    const state = await world.state();
    const mr = state.merge_requests.find((m) => m.description.includes(`Closes #${issue.iid}`));
    expect(mr, await jobTraces()).toBeDefined();
    expect(mr!.source_branch).toMatch(new RegExp(`^claude/${issue.iid}-`));
    expect(await raw("src/greeting.js", mr!.source_branch)).toContain("hello new world");
    expect(await raw("src/greeting.js", "main")).toContain("hello old world");
    const placeholder = await placeholderFor(noteId);
    expect(placeholder).toContain(`!${mr!.iid}`);
    expect(placeholder).not.toMatch(/is working on it/);
  });
});
