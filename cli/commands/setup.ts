// `agent-bridge setup`: connects a GitLab project to the bridge in one command, from a Maintainer's token:
// the bot, the CI/CD variables, the include block, how the event travels, the webhook, then the doctor and,
// when asked, a test mention answered end to end. Interactive in a terminal, scriptable with flags.
// runSetup takes its arguments, environment and output as parameters so that tests run it in process.
import { randomBytes } from "node:crypto";
import { readFile, writeFile, chmod } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { createNodeGitLabClient } from "../../shared/gitlab/node-client.ts";
import { formatReport, runSetupSteps, type SetupResult } from "../setup/run-setup.ts";
import { parseSetupOptions } from "../setup/options.ts";
import { createPrompter, type Prompter } from "../setup/prompt.ts";
import type { Command } from "./command.ts";

const help = `Usage: agent-bridge setup --project group/app [--receiver-url URL | --trigger-mode] [options]

Connects a GitLab project to agent-bridge, doing every step of docs/quickstart.md through GitLab's API:
  1. preflight        your token (api scope, Maintainer), the project, its default branch's protection
  2. event transport  pipeline variables, or the pipeline input agent_bridge_event where they are blocked
  3. bot              a project access token (api, write_repository), or the one in AGENT_BRIDGE_BOT_TOKEN
  4. variables        GITLAB_TOKEN and the model keys, masked and protected
  5. include block    in .gitlab-ci.yml, as a merge request (or a commit with --commit)
  6. webhook          to your receiver (its settings written to --receiver-env), or trigger mode
  7. doctor           the checks of 'agent-bridge doctor', as the bot
  8. test mention     with --test-mention: an issue mentioning each assistant, waiting for the answer
Every step says what it did; a re-run changes nothing that is right. In a terminal it asks for what is
missing; with --no-input (or without a terminal) it stops and names what to pass.

Options:
  --project P             the project's path (group/subgroup/project) or numeric id
  --gitlab-url URL        the instance (default: $GITLAB_URL)
  --assistant A           claude, codex or both (default: those whose key is in the environment)
  --bot-name N            the bot's name on its notes (default agent-bridge)
  --bot-role R            maintainer (default) or developer (then the default branch's protection must
                          let Developers merge)
  --bot-expires DATE      the token's expiry, YYYY-MM-DD (default: in a year)
  --variable KEY=VALUE    one more CI/CD variable (not a secret: a model name, an endpoint); repeatable
  --include F             component (default: include: component:) or project (include: project: file:)
  --components-project P  the project hosting the components (default agent-bridge/agent-bridge)
  --version V             the components' release (default: this package's; vX.Y.Z for --include project)
  --commit                commit the include block onto the default branch instead of opening an MR
  --event-as M            auto (default), variables (lowers the project's pipeline-variables role if
                          needed) or inputs
  --receiver-url URL      the receiver's webhook URL (agent-bridge serve, the Lambda or Cloud Function)
  --trigger-mode          no receiver: the webhook goes straight to GitLab's pipeline trigger API
  --receiver-env FILE     where the receiver's settings go, mode 0600 (default agent-bridge-receiver.env)
  --test-mention          post a test mention and wait for the answer
  --test-timeout S        how long to wait for it, in seconds (default 300)
  --no-input              never ask; stop on what is missing
  -h, --help              show this help

Environment (secrets are never flags):
  GITLAB_SETUP_TOKEN      your token: a Maintainer of the project, api scope (asked for in a terminal)
  CLAUDE_API_KEY          Anthropic API key for Claude (or ANTHROPIC_API_KEY); asked for in a terminal
  OPENAI_API_KEY          OpenAI API key for Codex; asked for in a terminal
  AGENT_BRIDGE_BOT_TOKEN  use this bot token instead of creating a project access token
  WEBHOOK_SECRET_KEY      the key of per-project webhook secrets (default: the one in --receiver-env,
                          else a new one unless a WEBHOOK_SECRET is known): the hook gets the secret
                          derived for this project ('agent-bridge webhook-secret')
  WEBHOOK_SECRET          a secret shared by every project instead (default: the one in --receiver-env)
  GITLAB_URL              the instance, when --gitlab-url is not given

Exit status: 0 done, 1 stopped (the problem and its fix are printed), 2 usage error.`;

export interface SetupIo {
  out(line: string): void;
  err(line: string): void;
  /** Questions in a terminal; undefined: never ask. */
  prompter?: Prompter;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function runSetup(
  args: string[],
  env: Env,
  io: SetupIo,
): Promise<SetupResult | { code: 0 | 2 }> {
  const parsed = await parseSetupOptions(args, env, io.prompter, new Date(), "0.1.0");
  if ("help" in parsed) {
    io.out(help);
    return { code: 0 };
  }
  if ("problems" in parsed) {
    io.err(
      `${parsed.problems.map((p) => `agent-bridge setup: ${p}`).join("\n")}\n\nRun 'agent-bridge setup --help' for usage.`,
    );
    return { code: 2 };
  }
  const { options } = parsed;
  const clientFor = (token: string) =>
    createNodeGitLabClient({
      baseUrl: options.gitlabUrl,
      token,
      holdProcess: true,
      deadlineMs: 20_000,
      maxAttempts: 3,
    });
  const secrets = [
    options.token,
    options.botToken,
    options.webhookSecret,
    options.webhookSecretKey,
    ...Object.values(options.modelKeys),
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
  const state = {};
  // Nothing setup prints may hold a secret it was given or made, whatever GitLab echoed in an error.
  const scrub = (text: string): string => {
    const known = [
      ...secrets,
      ...[
        (state as { bot?: { token: string } }).bot?.token,
        (state as { webhookSecret?: string }).webhookSecret,
        (state as { webhookSecretKey?: string }).webhookSecretKey,
      ].filter((s): s is string => typeof s === "string" && s !== ""),
    ];
    return known.reduce((t, s) => t.split(s).join("[secret]"), text);
  };
  const out = (line: string) => io.out(scrub(line));
  out(`agent-bridge setup: ${options.project} on ${options.gitlabUrl}`);
  return runSetupSteps(
    {
      options,
      gitlab: clientFor(options.token),
      clientFor,
      state,
      report: (step) => out(formatReport(step)),
      progress: (line) => out(`  …          ${line}`),
      now: Date.now,
      sleep: (ms) => sleep(ms),
      readTextFile: (path) => readFile(path, "utf8").catch(() => undefined),
      async writeSecretFile(path, text) {
        await writeFile(path, text, { mode: 0o600 });
        await chmod(path, 0o600);
      },
      randomSecret: () => randomBytes(32).toString("hex"),
    },
    out,
  );
}

export const setupCommand: Command = {
  async run(args) {
    const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
    const prompter = terminal ? createPrompter(process.stdin, process.stdout) : undefined;
    try {
      const result = await runSetup(args, process.env, {
        out: (line) => console.log(line),
        err: (line) => console.error(line),
        ...(prompter ? { prompter } : {}),
      });
      return result.code;
    } finally {
      prompter?.close();
    }
  },
};
