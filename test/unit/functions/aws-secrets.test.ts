import { describe, expect, it } from "vitest";
import {
  createSecretCache,
  decodeSecretString,
  readSecretSources,
  type SecretSources,
} from "../../../functions/aws/secrets.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";

const ARN = (name: string) =>
  `arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-bridge/${name}-AbCdEf`;

function problemsOf(fn: () => unknown): { variable: string; expected: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a SettingsError");
}

describe("functions/aws/secrets: readSecretSources", () => {
  it("maps NAME_ARN to NAME and defaults the TTL to 300 s", () => {
    const sources = readSecretSources({
      WEBHOOK_SECRET_ARN: ARN("webhook"),
      GITLAB_TOKEN_ARN: ` ${ARN("token")}\n`,
    });
    expect([...sources.arns]).toEqual([
      ["WEBHOOK_SECRET", ARN("webhook")],
      ["GITLAB_TOKEN", ARN("token")],
    ]);
    expect(sources.ttlMs).toBe(300_000);
  });

  it("needs no ARN at all (every setting from the environment)", () => {
    expect(readSecretSources({ SECRETS_TTL_SECONDS: "0" })).toEqual({ arns: new Map(), ttlMs: 0 });
  });

  it("lists every problem at once, naming the variables and never a value", () => {
    const problems = problemsOf(() =>
      readSecretSources({
        WEBHOOK_SECRET_ARN: "agent-bridge/webhook",
        GITLAB_TOKEN_ARN: ARN("token"),
        GITLAB_TOKEN: "glpat-plain-value",
        SECRETS_TTL_SECONDS: "five minutes",
      }),
    );
    expect(problems.map((p) => p.variable)).toEqual([
      "WEBHOOK_SECRET_ARN",
      "GITLAB_TOKEN_ARN",
      "SECRETS_TTL_SECONDS",
    ]);
    expect(problems[1]?.expected).toBe("set either GITLAB_TOKEN or GITLAB_TOKEN_ARN, not both");
    expect(JSON.stringify(problems)).not.toContain("glpat-plain-value");
  });
});

describe("functions/aws/secrets: decodeSecretString", () => {
  it("takes a plain string as the value, trimmed", () => {
    expect(decodeSecretString("GITLAB_TOKEN", "glpat-abc\n")).toBe("glpat-abc");
    expect(decodeSecretString("WEBHOOK_SECRET", "new-secret,old-secret")).toBe("new-secret,old-secret");
  });

  it('takes {"value": ...}, and a list for WEBHOOK_SECRET while rotating', () => {
    expect(decodeSecretString("GITLAB_TOKEN", '{"value":"glpat-abc"}')).toBe("glpat-abc");
    expect(decodeSecretString("WEBHOOK_SECRET", '{"value":["new-secret"," old-secret "]}')).toBe(
      "new-secret,old-secret",
    );
    expect(decodeSecretString("WEBHOOK_SECRET_KEY", '{"value":["new-key","old-key"]}')).toBe(
      "new-key,old-key",
    );
  });

  it("refuses another JSON object rather than using it as the token, without repeating it", () => {
    const problems = problemsOf(() => decodeSecretString("GITLAB_TOKEN", '{"token":"glpat-abc"}'));
    expect(problems).toEqual([
      { variable: "GITLAB_TOKEN_ARN", expected: expect.stringContaining('no "value" field') },
    ]);
    expect(JSON.stringify(problems)).not.toContain("glpat-abc");
    expect(
      problemsOf(() => decodeSecretString("GITLAB_TOKEN", '{"value":["a","b"]}'))[0]?.expected,
    ).toContain("wrong type");
    expect(problemsOf(() => decodeSecretString("WEBHOOK_SECRET", '{"value":["a,b"]}'))[0]?.variable).toBe(
      "WEBHOOK_SECRET_ARN",
    );
  });

  it("takes TRIGGER_TOKENS' own JSON map as it is", () => {
    expect(decodeSecretString("TRIGGER_TOKENS", '{"group/app":"glptt-1"}')).toBe('{"group/app":"glptt-1"}');
    expect(decodeSecretString("TRIGGER_TOKENS", '{"value":"{\\"group/app\\":\\"glptt-1\\"}"}')).toBe(
      '{"group/app":"glptt-1"}',
    );
  });
});

describe("functions/aws/secrets: createSecretCache", () => {
  const sources: SecretSources = {
    arns: new Map([
      ["WEBHOOK_SECRET", ARN("webhook")],
      ["GITLAB_TOKEN", ARN("token")],
    ]),
    ttlMs: 300_000,
  };

  function store(initial: Record<string, string>) {
    const values = { ...initial };
    const fetched: string[] = [];
    let failing = false;
    return {
      values,
      fetched,
      fail: (on: boolean) => (failing = on),
      fetchSecretString: async (arn: string) => {
        fetched.push(arn);
        if (failing) throw new Error("ThrottlingException: Rate exceeded");
        const value = values[arn];
        if (value === undefined) throw new Error(`ResourceNotFoundException: ${arn}`);
        return value;
      },
    };
  }

  it("fetches every secret once, in parallel, and serves them from memory until the TTL", async () => {
    const sm = store({ [ARN("webhook")]: "s1", [ARN("token")]: "t1" });
    let now = 1_000;
    const cache = createSecretCache({ sources, fetchSecretString: sm.fetchSecretString, now: () => now });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toEqual({ WEBHOOK_SECRET: "s1", GITLAB_TOKEN: "t1" });
    expect(b).toBe(a);
    now += 299_999;
    expect(await cache.get()).toBe(a);
    expect(sm.fetched).toHaveLength(2);
  });

  it("fetches again after the TTL: the same object while unchanged, a new one after a rotation", async () => {
    const sm = store({ [ARN("webhook")]: "s1", [ARN("token")]: "t1" });
    let now = 0;
    const cache = createSecretCache({ sources, fetchSecretString: sm.fetchSecretString, now: () => now });
    const first = await cache.get();
    now += 300_000;
    expect(await cache.get()).toBe(first);
    expect(sm.fetched).toHaveLength(4);
    sm.values[ARN("webhook")] = "s2,s1";
    now += 300_000;
    const rotated = await cache.get();
    expect(rotated).not.toBe(first);
    expect(rotated).toEqual({ WEBHOOK_SECRET: "s2,s1", GITLAB_TOKEN: "t1" });
  });

  it("keeps serving the last values when a refresh fails, says so, and tries again later", async () => {
    const sm = store({ [ARN("webhook")]: "s1", [ARN("token")]: "t1" });
    let now = 0;
    const failures: unknown[] = [];
    const cache = createSecretCache({
      sources,
      fetchSecretString: sm.fetchSecretString,
      now: () => now,
      onStaleRefreshFailure: (error) => failures.push(error),
    });
    const first = await cache.get();
    sm.fail(true);
    now += 300_000;
    expect(await cache.get()).toBe(first);
    expect(failures).toHaveLength(1);
    const calls = sm.fetched.length;
    expect(await cache.get()).toBe(first);
    expect(sm.fetched).toHaveLength(calls);
    sm.fail(false);
    now += 30_000;
    expect(await cache.get()).toBe(first);
    expect(sm.fetched.length).toBeGreaterThan(calls);
  });

  it("fails when the first fetch fails, and tries again on the next call", async () => {
    const sm = store({ [ARN("webhook")]: "s1", [ARN("token")]: "t1" });
    const cache = createSecretCache({ sources, fetchSecretString: sm.fetchSecretString, now: () => 0 });
    sm.fail(true);
    await expect(cache.get()).rejects.toThrow("ThrottlingException");
    sm.fail(false);
    expect(await cache.get()).toEqual({ WEBHOOK_SECRET: "s1", GITLAB_TOKEN: "t1" });
  });

  it("with a TTL of 0, fetches on every call", async () => {
    const sm = store({ [ARN("webhook")]: "s1", [ARN("token")]: "t1" });
    const cache = createSecretCache({
      sources: { ...sources, ttlMs: 0 },
      fetchSecretString: sm.fetchSecretString,
      now: () => 5,
    });
    await cache.get();
    await cache.get();
    expect(sm.fetched).toHaveLength(4);
  });
});
