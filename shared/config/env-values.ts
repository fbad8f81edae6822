// Reading environment values with zod, the same way for every settings loader: blank means unset (`FOO=` in a
// .env file, an empty template input, a trailing newline from a secret store), and every problem is one zod
// issue whose message says what the variable expects (never its value).
// Built on zod/mini, which the webhook receiver's bundle can afford (zod's classic API is ~170 KiB of
// minified code and a third of a cold start's import), with the one method the loaders chain:
// `.transform(fn)`, as classic zod has it. The fields are zod schemas, so classic z.object takes them too.
import * as z from "zod/mini";

/** What a field's step gets besides the value: problem(ctx, …) records an issue on it. */
export type Ctx = z.core.ParsePayload;

/** An environment as the loaders read it: process.env, or a record a test or the CI template hands in. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A settings field: a zod schema whose value a further step can turn into another. */
export interface EnvField<O> extends z.ZodMiniType<O> {
  /** This field's value through fn; an issue fn records (problem) fails the field. */
  transform<N>(fn: (value: O, ctx: Ctx) => N): EnvField<N>;
}

function field<O>(schema: z.ZodMiniType<O>): EnvField<O> {
  const transform = <N>(fn: (value: O, ctx: Ctx) => N): EnvField<N> =>
    field(z.pipe(schema, z.transform<O, N>(fn)) as unknown as z.ZodMiniType<N>);
  return Object.assign(schema, { transform });
}

/** Records what was expected and yields nothing; the loader collects every such issue. */
export function problem(ctx: Ctx, message: string): never {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
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
export const raw: EnvField<string | undefined> = field(
  z.pipe(z.unknown(), z.transform(clean)) as unknown as z.ZodMiniType<string | undefined>,
);

export function required(expects: string): EnvField<string> {
  return raw.transform((value, ctx) => value ?? problem(ctx, `required; ${expects}`));
}

/** A whole number in [min, max]; undefined when unset. */
export function integer(min: number, max: number, unit: string): EnvField<number | undefined> {
  return raw.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      return problem(ctx, `a whole number of ${unit} from ${min} to ${max}`);
    }
    return Number(value);
  });
}

/** One of the options, in any letter case; undefined when unset. */
export function oneOf<const T extends readonly string[]>(options: T): EnvField<T[number] | undefined> {
  return raw.transform((value, ctx): T[number] | undefined => {
    if (value === undefined) return undefined;
    const found = options.find((option) => option === value.toLowerCase());
    return found ?? problem(ctx, `one of ${options.join(", ")}`);
  });
}
