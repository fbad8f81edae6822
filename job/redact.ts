// The last gate before GitLab: every text the job posts (notes, the placeholder, merge request titles and
// descriptions, commit messages) goes through a redactor that knows the job's secret values and the common
// shapes of credentials. An agent can be talked into printing its environment, a file or a command's
// output; whatever it prints must not land in a note that more people can read than the CI/CD variables.
//
//   const redact = createRedactor(secretValuesFromEnv(process.env));
//   await updateNote(gitlab, { ...ref, body: redact(body) });
//
// It never logs what it replaced.
import type { Redact } from "./contracts.ts";

export const REDACTED = "[REDACTED]";

/** Shorter values are left alone: redacting "main" or "true" everywhere would wreck the text and hide nothing. */
export const MIN_SECRET_LENGTH = 6;

// Common credential shapes. Each pattern matches the secret itself; `keep` groups are put back around it.
interface Shape {
  pattern: RegExp;
  /** Replaces the match; by default the whole match becomes [REDACTED]. */
  replace?: (match: string, ...groups: string[]) => string;
}

const SHAPES: readonly Shape[] = [
  // PEM private keys, whole blocks; a block cut off before its END line still loses its body.
  {
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[A-Za-z0-9+/=\s:,-]*)/g,
  },
  // GitLab: personal/project/group (glpat-), trigger (glptt-), CI job (glcbt-), deploy (gldt-), runner
  // (glrt-, and GR1348941 registration tokens), SCIM, feed, incoming mail, agent, OAuth secrets.
  { pattern: /\bgl(?:pat|ptt|cbt|dt|rt|rtr|soat|ft|imt|agent|oas|ffct|cfdt|wt)-[A-Za-z0-9_.-]{20,}/g },
  { pattern: /\bGR1348941[A-Za-z0-9_-]{20,}/g },
  // Anthropic (sk-ant-api03-..., sk-ant-admin01-..., sk-ant-oat01-...), then OpenAI (sk-, sk-proj-, ...):
  // at least 32 characters with a digit, so that prose like "sk-learn-style" is left alone.
  { pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { pattern: /\bsk-(?:proj-|svcacct-|admin-|None-)?(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{32,}/g },
  // AWS access key ids, and a secret access key where it is named.
  { pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  {
    pattern:
      /((?:aws_?secret_?access_?key|secretaccesskey)["']?\s*[:=]\s*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    replace: (_match, keep) => `${keep}${REDACTED}`,
  },
  // GitHub tokens, Slack tokens.
  { pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/g },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  // JWTs (GitLab ID tokens, OIDC, Google): header and payload are base64url JSON objects, so both start eyJ.
  { pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  // A password in a URL: https://user:secret@host (git remotes with a token).
  {
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)([^\s/@]{3,})(@)/gi,
    replace: (_match, before, _secret, at) => `${before}${REDACTED}${at}`,
  },
];

/**
 * A Redact for the given secret values: each value of at least MIN_SECRET_LENGTH characters, its
 * URL-encoded and base64 forms (also inside a longer base64 text, such as a Basic authorization header),
 * and every common token shape, replaced by [REDACTED].
 */
export function createRedactor(secretValues: Iterable<string | undefined>): Redact {
  const needles = new Set<string>();
  for (const value of secretValues) {
    if (value === undefined) continue;
    for (const candidate of [value, value.trim()]) {
      if (candidate.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodedForms(candidate)) if (form.length >= MIN_SECRET_LENGTH) needles.add(form);
    }
  }
  // Longest first: a secret that contains another is replaced whole.
  const ordered = [...needles].sort((a, b) => b.length - a.length);

  return (text: string): string => {
    let out = text;
    for (const needle of ordered) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    for (const shape of SHAPES) {
      shape.pattern.lastIndex = 0;
      out = shape.replace
        ? out.replace(shape.pattern, shape.replace as (substring: string, ...args: unknown[]) => string)
        : out.replace(shape.pattern, REDACTED);
    }
    return out;
  };
}

/** The value as it may appear in text: as is, URL-encoded, and base64 (standard and URL-safe, any offset). */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  const bytes = Buffer.from(value, "utf8");
  // Inside a longer base64 text the value's bytes start at offset 0, 1 or 2 of a 3-byte group; the
  // characters that depend only on the value's bytes are the same wherever it sits at that offset.
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString("base64");
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(first, last);
    if (core.length >= 8) {
      forms.add(core);
      forms.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...forms];
}

// Variable names whose values are secrets even when nobody listed them: masked CI/CD variables are not
// marked as such in the job's environment, so the names are the only hint.
const SECRET_NAME =
  /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SIGNING_?KEY|CREDENTIAL)/i;
// Predefined variables whose names look secret but whose values are not (ids, URLs, paths, flags).
const NOT_SECRET = new Set([
  "AGENT_SECRET_VARIABLES",
  "CI_JOB_TOKEN_EXPIRES_AT",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "CI_SERVER_TLS_CA_FILE",
  "CI_JOB_JWT_V2_EXPIRES_AT",
]);

/**
 * The values among `env` that look like secrets by their variable's name (GITLAB_TOKEN, CI_JOB_TOKEN,
 * *_API_KEY, *_SECRET*, *PASSWORD*, the ID token, ...), plus the variables listed by name in
 * `AGENT_SECRET_VARIABLES` (comma-separated).
 */
export function secretValuesFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const extra = new Set(
    (env["AGENT_SECRET_VARIABLES"] ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== ""),
  );
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim().length < MIN_SECRET_LENGTH) continue;
    if (extra.has(name) || (SECRET_NAME.test(name) && !NOT_SECRET.has(name))) values.push(value);
  }
  return values;
}
