// `agent-bridge webhook-secret`: prints the secret token of one project's or one group's webhook, derived
// from the receiver's WEBHOOK_SECRET_KEY (shared/webhook/scoped-secrets.ts), for a hook made by hand (a group
// hook, a project setup did not connect). Needs no GitLab: the secret is a function of the key and the scope.
import { parseArgs } from "node:util";
import { list } from "../../shared/config/env-values.ts";
import { MIN_SECRET_KEY_LENGTH } from "../../shared/config/webhook-settings.ts";
import { deriveWebhookSecret } from "../../shared/webhook/scoped-secrets.ts";
import type { Command } from "./command.ts";

const help = () => `Usage: agent-bridge webhook-secret --project ID
       agent-bridge webhook-secret --group PATH

Prints the secret token for the webhook of one project (by its numeric id, Settings > General) or of one
group (by its full path, e.g. platform/tools), derived from WEBHOOK_SECRET_KEY (the first key when several
are listed). Put it in the hook's "Secret token". A delivery carrying it is accepted for that project, or
for the projects GitLab puts under that group, and no other. Keep the output out of logs and tickets.

Environment:
  WEBHOOK_SECRET_KEY  the receiver's key (required)`;

export interface WebhookSecretIo {
  out(text: string): void;
  err(text: string): void;
}

export function runWebhookSecret(
  args: string[],
  env: Readonly<Record<string, string | undefined>>,
  io: WebhookSecretIo,
): number {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        project: { type: "string" },
        group: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`agent-bridge webhook-secret: ${(e as Error).message}\n\n${help()}`);
    return 2;
  }
  if (values.help) {
    io.out(help());
    return 0;
  }
  if ((values.project === undefined) === (values.group === undefined)) {
    io.err(`agent-bridge webhook-secret: give one of --project ID or --group PATH\n\n${help()}`);
    return 2;
  }
  if (values.project !== undefined && !/^\d{1,15}$/.test(values.project.trim())) {
    io.err("agent-bridge webhook-secret: --project expects the project's numeric id (Settings > General)");
    return 2;
  }
  if (values.group !== undefined && !/^[\w.-]+(\/[\w.-]+)*$/.test(values.group.trim())) {
    io.err("agent-bridge webhook-secret: --group expects the group's full path, e.g. platform/tools");
    return 2;
  }
  const key = list(env["WEBHOOK_SECRET_KEY"])[0];
  if (key === undefined || key.length < MIN_SECRET_KEY_LENGTH) {
    io.err(
      `agent-bridge webhook-secret: WEBHOOK_SECRET_KEY must hold the receiver's key (at least ${MIN_SECRET_KEY_LENGTH} characters)`,
    );
    return 2;
  }
  io.out(
    values.project !== undefined
      ? deriveWebhookSecret(key, { projectId: Number(values.project.trim()) })
      : deriveWebhookSecret(key, { groupPath: values.group!.trim() }),
  );
  return 0;
}

export const webhookSecretCommand: Command = {
  run: (args) =>
    Promise.resolve(
      runWebhookSecret(args, process.env, {
        out: (text) => console.log(text),
        err: (text) => console.error(text),
      }),
    ),
};
