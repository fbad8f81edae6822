// Reading environment values with zod, the same way for every settings loader: blank means unset (`FOO=` in a
// .env file, an empty template input, a trailing newline from a secret store), and every problem is one zod
// issue whose message says what the variable expects (never its value).
import { z } from "zod";

type Ctx = z.RefinementCtx;

/** An environment as the loaders read it: process.env, or a record a test or the CI template hands in. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Records what was expected and yields nothing; the loader collects every such issue. */
export function problem(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER as never;
}

export function clean(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A comma-separated list, items trimmed, blanks dropped. */
export function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Any variable, trimmed; undefined when unset or blank. */
export const raw = z.unknown().transform(clean);

export function required(expects: string) {
  return raw.transform((value, ctx) => value ?? problem(ctx, `required; ${expects}`));
}

/** A whole number in [min, max]; undefined when unset. */
export function integer(min: number, max: number, unit: string) {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      return problem(ctx, `a whole number of ${unit} from ${min} to ${max}`);
    }
    return Number(value);
  });
}

/** One of the options, in any letter case; undefined when unset. */
export function oneOf<const T extends readonly string[]>(options: T) {
  return raw.transform((value, ctx): T[number] | undefined => {
    if (value === undefined) return undefined;
    const found = options.find((option) => option === value.toLowerCase());
    return found ?? problem(ctx, `one of ${options.join(", ")}`);
  });
}
