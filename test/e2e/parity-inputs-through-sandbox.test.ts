// End to end with the components' parity inputs: a project whose .gitlab-ci.yml names its Claude branches by
// branch_name_template, whose SSH_SIGNING_KEY CI/CD variable signs the bot's commits, and whose Codex answers
// to an output_schema. A note in the sandbox GitLab, the real components run by the sandbox's runner, the
// real CLIs answering scripted models; the outcome read back from GitLab (and the commit's signature checked
// by git on a clone of what GitLab holds).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMarker } from "../../shared/placeholder/marker.ts";
import { resolveConsumer } from "../templates/support/components.ts";
import { cloneUrl, git } from "../support/git.ts";
import { startWorld, type World } from "./support/bridge-world.ts";

const SCHEMA = {
  type: "object",
  properties: { verdict: { type: "string" }, risks: { type: "integer" } },
  required: ["verdict", "risks"],
  additionalProperties: false,
};

const CI_CONFIG = `include:
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0
    inputs:
      agent_timeout_minutes: 3
      job_timeout_minutes: 6
      branch_name_template: "{prefix}issue-{iid}"
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@0.1.0
    inputs:
      agent_timeout_minutes: 3
      job_timeout_minutes: 6
      output_schema: ci/verdict.schema.json
`;

let world: World;
let keys: string;

beforeAll(async () => {
  world = await startWorld({
    files: {
      ".gitlab-ci.yml": resolveConsumer(CI_CONFIG, { variables: {} }),
      "ci/verdict.schema.json": JSON.stringify(SCHEMA),
    },
  });
  keys = await mkdtemp(join(tmpdir(), "e2e-signing-"));
  await promisify(execFile)("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keys, "id")]);
  // As a masked variable holds it: one line of base64.
  const key = Buffer.from(await readFile(join(keys, "id"), "utf8")).toString("base64");
  await world.admin.ok("POST", `/projects/${world.projectId}/variables`, {
    key: "SSH_SIGNING_KEY",
    value: key,
    masked: true,
  });
});

afterAll(async () => {
  await world?.close();
  if (keys) await rm(keys, { recursive: true, force: true });
});

async function mention(path: string, body: string): Promise<number> {
  const note = await world.dev.client.ok<{ id: number }>("POST", `/projects/${world.projectId}${path}`, {
    body,
  });
  await world.served(note.id);
  return note.id;
}

async function jobTraces(): Promise<string> {
  return (await world.state()).jobs.map((j) => `--- ${j.name} ${j.status}\n${j.trace}`).join("\n");
}

describe("the components' parity inputs", { timeout: 240_000 }, () => {
  it("Claude's merge request comes from the templated branch, its commit signed with SSH_SIGNING_KEY", async () => {
    world.scenarios.set("signed", {
      claude: (turn, { workdir }) =>
        [
          // Claude Code edits only a file it has read.
          [{ tool: "Read", input: { file_path: `${workdir}/src/greeting.js` } }],
          [
            {
              tool: "Edit",
              input: { file_path: `${workdir}/src/greeting.js`, old_string: "old", new_string: "signed" },
            },
          ],
          [{ text: "Changed the greeting." }],
        ][turn],
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Sign the greeting",
    });
    await mention(`/issues/${issue.iid}/notes`, "@claude fix the greeting [scenario:signed]");
    const mr = (await world.state()).merge_requests.find((m) =>
      m.description.includes(`Closes #${issue.iid}`),
    );
    expect(mr, await jobTraces()).toBeDefined();
    expect(mr!.source_branch).toBe(`claude/issue-${issue.iid}`);

    const clone = await mkdtemp(join(tmpdir(), "e2e-signed-clone-"));
    try {
      await git(clone, "clone", "-q", cloneUrl(world.sandbox.url, world.dev.token, world.projectPath), ".");
      await git(clone, "fetch", "-q", "origin", mr!.source_branch);
      const committer = await git(clone, "log", "-1", "--format=%ce", "FETCH_HEAD");
      expect(committer).toMatch(new RegExp(`^${world.bot.id}-${world.bot.username}@users\\.noreply\\.`));
      const publicKey = (await readFile(join(keys, "id.pub"), "utf8")).trim();
      await writeFile(join(keys, "allowed"), `${committer} namespaces="git" ${publicKey}\n`);
      const status = await git(
        clone,
        "-c",
        `gpg.ssh.allowedSignersFile=${join(keys, "allowed")}`,
        "log",
        "-1",
        "--format=%G?",
        "FETCH_HEAD",
      );
      expect(status, await jobTraces()).toBe("G");
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
    // The key is a secret of the job: it never shows in the job's log.
    expect(await jobTraces()).not.toContain(Buffer.from(await readFile(join(keys, "id"))).toString("base64"));
  });

  it("Codex answers to the base branch's output schema: the schema reaches the model, the reply is its JSON", async () => {
    let formatSeen: unknown;
    world.scenarios.set("schema", {
      codex: (turn, { text }) => {
        formatSeen = (JSON.parse(text) as { text?: { format?: unknown } }).text?.format;
        return turn === 0 ? [{ text: JSON.stringify({ verdict: "looks fine", risks: 1 }) }] : undefined;
      },
    });
    const issue = await world.dev.client.ok<{ iid: number }>("POST", `/projects/${world.projectId}/issues`, {
      title: "Rate the greeting",
    });
    const noteId = await mention(
      `/issues/${issue.iid}/notes`,
      "@codex why is the greeting old? [scenario:schema]",
    );
    expect(formatSeen, await jobTraces()).toMatchObject({ type: "json_schema", schema: SCHEMA });
    const placeholder = (await world.state()).notes.find((n) => {
      const marker = parseMarker(n.body);
      return marker?.kind === "placeholder" && marker.note === noteId && marker.assistant === "codex";
    });
    expect(placeholder?.body, await jobTraces()).toContain('"verdict": "looks fine"');
    expect(placeholder?.body).toContain("```json");
  });
});
