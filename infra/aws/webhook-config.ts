// The webhook stack's configuration: the CDK context value `agent-bridge:webhook` (cdk.json or `-c`), or
// the `config` prop of WebhookStack. Parsed with zod into a fully defaulted object; every problem is
// reported at once. The receiver's own settings are checked here with the receiver's own loader, so a typo
// in MIN_ACCESS_LEVEL fails `cdk synth`, not the first webhook delivery.
//
//   const config = parseWebhookConfig({ gitlabUrl: "https://gitlab.example.com", settings: { ALLOWED_GROUPS: "platform" } });
import { z } from "zod";
import { SettingsError } from "../../shared/config/settings-error.ts";
import { loadWebhookSettings, WEBHOOK_SETTINGS_DOC } from "../../shared/config/webhook-settings.ts";
import { SECRET_SETTINGS, SECRETS_TTL_VARIABLE, type SecretSetting } from "../../functions/aws/secrets.ts";
import { DEFAULT_SWEEP_WINDOW_MINUTES, sweepSchedule } from "../../functions/sweep-runner.ts";
import { InfraConfigError, problemsOf, type ConfigProblem } from "./config-error.ts";

export const WEBHOOK_CONTEXT_KEY = "agent-bridge:webhook";

/** The secret settings the stack creates (and retains) when no ARN is given; the others are optional. */
export const CREATED_SECRETS = ["WEBHOOK_SECRET", "GITLAB_TOKEN"] as const satisfies readonly SecretSetting[];

/** Plain settings the function may be given: the receiver's documented ones that are not secrets. */
export const PLAIN_SETTINGS: readonly string[] = [
  ...WEBHOOK_SETTINGS_DOC.map((doc) => doc.name).filter(
    (name) => name !== "GITLAB_URL" && !SECRET_SETTINGS.some((secret) => secret === name),
  ),
  SECRETS_TTL_VARIABLE,
  "SWEEP_WINDOW_MINUTES",
];

// CloudWatch Logs accepts only these retention periods.
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// The complete ARN, with the six characters Secrets Manager appends: IAM grants on it are exact.
const COMPLETE_SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

const secretArn = z.string().trim().regex(COMPLETE_SECRET_ARN, {
  error:
    "the secret's complete ARN, ending in a dash and six characters (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf), as `aws secretsmanager describe-secret --secret-id NAME --query ARN` prints it",
});

const WebhookConfigSchema = z.strictObject({
  gitlabUrl: z
    .string({ error: "required: the GitLab instance's base URL, e.g. https://gitlab.com" })
    .trim()
    .refine((value) => /^https?:\/\/[^/?#@\s]+(\/[^?#\s]*)?$/.test(value) && !/\/api\/v4\/?$/.test(value), {
      error:
        "an http or https base URL without /api/v4, query or credentials, e.g. https://gitlab.example.com",
    })
    .transform((value) => value.replace(/\/+$/, "")),
  secretArns: z
    .strictObject(
      Object.fromEntries(SECRET_SETTINGS.map((name) => [name, secretArn.optional()])) as Record<
        SecretSetting,
        z.ZodOptional<typeof secretArn>
      >,
    )
    .default({}),
  settings: z.record(z.string(), z.string()).default({}),
  reservedConcurrency: z
    .int({ error: "a whole number of concurrent executions from 1 to 1000" })
    .min(1, { error: "at least 1 (0 would stop the function)" })
    .max(1000, { error: "at most 1000" })
    .default(10),
  memoryMb: z
    .int({ error: "the function's memory in MB, a whole number from 128 to 10240" })
    .min(128, { error: "at least 128" })
    .max(10_240, { error: "at most 10240" })
    .default(512),
  timeoutSeconds: z
    .int({ error: "a whole number of seconds from 10 to 60" })
    .min(10, { error: "at least 10: GitLab waits 10 s for an answer" })
    .max(60, { error: "at most 60: GitLab has long given up by then" })
    .default(15),
  maxReceiveCount: z
    .int({ error: "a whole number of receives from 2 to 50 before a task goes to the dead-letter queue" })
    .min(2, { error: "at least 2: one retry" })
    .max(50, { error: "at most 50" })
    .default(10),
  sweepEveryMinutes: z
    .int({ error: "how often the catch-up sweep runs, in whole minutes from 1 to 60" })
    .min(1, { error: "at least 1" })
    .max(60, { error: "at most 60: mentions older than the sweep's window are not looked for" })
    .default(5),
  logRetentionDays: z
    .int()
    .refine((days) => RETENTION_DAYS.some((allowed) => allowed === days), {
      error: `one of the periods CloudWatch Logs accepts: ${RETENTION_DAYS.join(", ")}`,
    })
    .default(30),
  alarmEmail: z.email({ error: "an e-mail address that receives the alarms" }).optional(),
  functionName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "a Lambda function name: 1 to 64 letters, digits, - or _" })
    .optional(),
});

/** What the context or the props may hold: defaults may be left out. */
export type WebhookConfigInput = z.input<typeof WebhookConfigSchema>;
export type WebhookConfig = z.output<typeof WebhookConfigSchema>;

// Values that pass the receiver's checks, standing in for secrets that only exist at run time.
const SECRET_STAND_INS: Record<SecretSetting, string> = {
  WEBHOOK_SECRET: "stand-in",
  WEBHOOK_SECRET_KEY: "stand-in-".repeat(4),
  GITLAB_TOKEN: "stand-in",
  WEBHOOK_SIGNING_SECRET: `whsec_${Buffer.alloc(32, 1).toString("base64")}`,
  TRIGGER_TOKEN: "stand-in",
  TRIGGER_TOKENS: '{"stand/in":"stand-in"}',
};

function settingsProblems(config: WebhookConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(config.settings)) {
    if (SECRET_SETTINGS.some((secret) => secret === name)) {
      problems.push({
        setting: `settings.${name}`,
        expected: `${name} is a secret: store it in Secrets Manager and give its ARN as secretArns.${name}`,
      });
    } else if (name === "GITLAB_URL") {
      problems.push({ setting: `settings.${name}`, expected: "give the GitLab URL as gitlabUrl" });
    } else if (!PLAIN_SETTINGS.includes(name)) {
      problems.push({
        setting: `settings.${name}`,
        expected: `not a receiver setting; one of ${PLAIN_SETTINGS.join(", ")}`,
      });
    }
  }
  if (problems.length > 0) return problems;

  const env: Record<string, string> = { ...config.settings, GITLAB_URL: config.gitlabUrl };
  for (const name of SECRET_SETTINGS) {
    const provided =
      CREATED_SECRETS.some((created) => created === name) || config.secretArns[name] !== undefined;
    if (provided) env[name] = SECRET_STAND_INS[name];
  }
  try {
    loadWebhookSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    for (const p of error.problems) {
      const secret = SECRET_SETTINGS.some((name) => name === p.variable);
      problems.push({
        setting: secret ? `secretArns.${p.variable}` : `settings.${p.variable}`,
        expected: p.expected,
      });
    }
  }
  const ttl = config.settings[SECRETS_TTL_VARIABLE];
  if (ttl !== undefined && (!/^\d+$/.test(ttl.trim()) || Number(ttl) > 86_400)) {
    problems.push({
      setting: `settings.${SECRETS_TTL_VARIABLE}`,
      expected: "a whole number of seconds from 0 (no caching) to 86400 for which secrets are cached",
    });
  }
  // The sweep's window is read by the Sweep function at run time; a bad one, or one shorter than the time
  // between two sweeps (the mentions in between would never be read), fails the synth instead.
  const window = config.settings["SWEEP_WINDOW_MINUTES"];
  if (window !== undefined) {
    const schedule = sweepSchedule({ SWEEP_WINDOW_MINUTES: window });
    if ("error" in schedule) {
      problems.push({ setting: "settings.SWEEP_WINDOW_MINUTES", expected: schedule.error });
    }
  }
  const windowMinutes = window !== undefined ? Number(window.trim()) : DEFAULT_SWEEP_WINDOW_MINUTES;
  if (Number.isInteger(windowMinutes) && windowMinutes < config.sweepEveryMinutes) {
    problems.push({
      setting: "settings.SWEEP_WINDOW_MINUTES",
      expected: `at least sweepEveryMinutes (${config.sweepEveryMinutes}): a shorter window leaves the mentions between two sweeps unread`,
    });
  }
  return problems;
}

/** Parses the webhook stack's configuration; throws InfraConfigError listing every problem. */
export function parseWebhookConfig(
  input: unknown,
  where = `the context value "${WEBHOOK_CONTEXT_KEY}"`,
): WebhookConfig {
  const parsed = WebhookConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new InfraConfigError("webhook stack", where, problemsOf(parsed.error));
  const problems = settingsProblems(parsed.data);
  if (problems.length > 0) throw new InfraConfigError("webhook stack", where, problems);
  return parsed.data;
}
