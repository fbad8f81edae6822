// Settings held in AWS Secrets Manager: for a secret setting NAME, the variable NAME_ARN names the secret
// whose value becomes NAME (WEBHOOK_SECRET_ARN → WEBHOOK_SECRET, GITLAB_TOKEN_ARN → GITLAB_TOKEN, ...).
// Values are cached in memory for SECRETS_TTL_SECONDS, then fetched again, so a rotation is picked up
// without a redeploy; while Secrets Manager cannot be reached the last values keep serving.
// This file never imports the AWS SDK (handler.ts hands in the fetch) and never logs a value.
//
// What a secret may hold (its SecretString):
//   - the value itself, as plain text: `glpat-...`, or `new-secret,old-secret` for WEBHOOK_SECRET (and
//     WEBHOOK_SECRET_KEY) while rotating (surrounding whitespace is ignored);
//   - a JSON object with a `value` field: {"value": "glpat-..."}; for those two also a list,
//     {"value": ["new-secret", "old-secret"]}, the form a rotation function writes most easily.
//   Any other JSON object is refused rather than used as the token, since it is most likely the console's
//   key/value form with another key. TRIGGER_TOKENS is itself a JSON object and is taken as it is, unless
//   it is {"value": "..."}.
import { SettingsError, type SettingsProblem } from "../../shared/config/settings-error.ts";

/** The settings that may come from Secrets Manager. */
export const SECRET_SETTINGS = [
  "WEBHOOK_SECRET",
  "WEBHOOK_SECRET_KEY",
  "GITLAB_TOKEN",
  "WEBHOOK_SIGNING_SECRET",
  "TRIGGER_TOKEN",
  "TRIGGER_TOKENS",
] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

export const SECRETS_TTL_VARIABLE = "SECRETS_TTL_SECONDS";
const DEFAULT_TTL_SECONDS = 300;
/** After a failed refresh, how soon the next delivery tries again (the old values serve meanwhile). */
const RETRY_AFTER_FAILURE_MS = 30_000;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

export interface SecretSources {
  /** Setting → ARN of the secret that holds it. */
  arns: ReadonlyMap<SecretSetting, string>;
  ttlMs: number;
}

/** Reads the NAME_ARN variables and SECRETS_TTL_SECONDS; throws SettingsError listing every problem. */
export function readSecretSources(env: Readonly<Record<string, string | undefined>>): SecretSources {
  const problems: SettingsProblem[] = [];
  const arns = new Map<SecretSetting, string>();
  for (const setting of SECRET_SETTINGS) {
    const variable = `${setting}_ARN`;
    const arn = env[variable]?.trim();
    if (!arn) continue;
    if (!SECRET_ARN.test(arn)) {
      problems.push({
        variable,
        expected: "the ARN of a Secrets Manager secret, arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME",
      });
    } else if (env[setting]?.trim()) {
      problems.push({ variable, expected: `set either ${setting} or ${variable}, not both` });
    } else {
      arns.set(setting, arn);
    }
  }
  const ttlText = env[SECRETS_TTL_VARIABLE]?.trim() || String(DEFAULT_TTL_SECONDS);
  if (!/^\d+$/.test(ttlText) || Number(ttlText) > 86_400) {
    problems.push({
      variable: SECRETS_TTL_VARIABLE,
      expected: "a whole number of seconds from 0 (no caching) to 86400 for which secrets are cached",
    });
  }
  if (problems.length > 0) throw new SettingsError("webhook settings", problems);
  return { arns, ttlMs: Number(ttlText) * 1000 };
}

/** The setting's value from a secret's string, per the rules at the top of this file. */
export function decodeSecretString(setting: SecretSetting, text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return trimmed;
  const refuse = (expected: string): never => {
    throw new SettingsError("webhook settings", [{ variable: `${setting}_ARN`, expected }]);
  };
  const listed = setting === "WEBHOOK_SECRET" || setting === "WEBHOOK_SECRET_KEY";
  const shape = listed
    ? 'a secret holding the plain value, {"value": "..."} or {"value": ["new", "old"]}'
    : 'a secret holding the plain value or {"value": "..."}';
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    // A plain value that happens to start with "{": unusual, but not ours to refuse.
    return trimmed;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return refuse(shape);
  if (!Object.hasOwn(json, "value")) {
    return setting === "TRIGGER_TOKENS" ? trimmed : refuse(`${shape} (its JSON has no "value" field)`);
  }
  const value: unknown = (json as { value: unknown }).value;
  if (typeof value === "string") return value.trim();
  if (
    listed &&
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === "string" && item.trim() !== "" && !item.includes(","))
  ) {
    return value.map((item: string) => item.trim()).join(",");
  }
  return refuse(`${shape} (its "value" field has the wrong type)`);
}

export interface SecretCacheOptions {
  sources: SecretSources;
  /** The secret's SecretString, by ARN (handler.ts: GetSecretValue). */
  fetchSecretString: (arn: string) => Promise<string>;
  /** Epoch milliseconds. */
  now: () => number;
  /** Told when a refresh failed and the previous values keep serving; gets no value. */
  onStaleRefreshFailure?: (error: unknown) => void;
}

export interface SecretCache {
  /**
   * Setting → value. The same object is returned for as long as the values are unchanged, so a caller can
   * compare identities to know whether to rebuild what it derived from them.
   */
  get(): Promise<Readonly<Partial<Record<SecretSetting, string>>>>;
}

export function createSecretCache(options: SecretCacheOptions): SecretCache {
  const { sources, now } = options;
  const entries = [...sources.arns];
  let current: Readonly<Partial<Record<SecretSetting, string>>> | undefined;
  let freshUntil = Number.NEGATIVE_INFINITY;
  let pending: Promise<Readonly<Partial<Record<SecretSetting, string>>>> | undefined;

  async function fetchAll(): Promise<Readonly<Partial<Record<SecretSetting, string>>>> {
    // In parallel: on a cold start this is on the first delivery's path.
    const values = await Promise.all(
      entries.map(
        async ([setting, arn]) =>
          [setting, decodeSecretString(setting, await options.fetchSecretString(arn))] as const,
      ),
    );
    return Object.fromEntries(values) as Partial<Record<SecretSetting, string>>;
  }

  function refresh(): Promise<Readonly<Partial<Record<SecretSetting, string>>>> {
    pending ??= fetchAll()
      .then(
        (fresh) => {
          if (!current || !sameValues(current, fresh)) current = fresh;
          freshUntil = now() + sources.ttlMs;
          return current;
        },
        (error: unknown) => {
          // Keep serving what worked; a wrong value stored in the secret is not a reason to stop, either.
          if (!current) throw error;
          options.onStaleRefreshFailure?.(error);
          freshUntil = now() + Math.min(RETRY_AFTER_FAILURE_MS, Math.max(sources.ttlMs, 1_000));
          return current;
        },
      )
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  return {
    get() {
      if (entries.length === 0) return Promise.resolve((current ??= {}));
      if (current && now() < freshUntil) return Promise.resolve(current);
      return refresh();
    },
  };
}

function sameValues(
  a: Readonly<Record<string, string | undefined>>,
  b: Readonly<Record<string, string | undefined>>,
): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
