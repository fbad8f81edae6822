// GitLab's `rules: if:` expression language: a tokenizer, a recursive-descent parser and an evaluator.
// Grammar (GitLab's): `$VAR`, "strings", 'strings', /patterns/flags, null, == != =~ !~, && (binds tighter) ||,
// parentheses. There is no `!` operator. An undefined variable is null; a bare `$VAR` is true only when the
// variable is defined and non-empty.

export type Expression =
  | { kind: "variable"; name: string }
  | { kind: "string"; value: string }
  | { kind: "pattern"; source: string; flags: string }
  | { kind: "null" }
  | { kind: "compare"; op: "==" | "!=" | "=~" | "!~"; left: Expression; right: Expression }
  | { kind: "logical"; op: "&&" | "||"; left: Expression; right: Expression };

type Token =
  | { type: "variable"; name: string; at: number }
  | { type: "string"; value: string; at: number }
  | { type: "pattern"; source: string; flags: string; at: number }
  | { type: "null"; at: number }
  | { type: "op"; op: "==" | "!=" | "=~" | "!~" | "&&" | "||"; at: number }
  | { type: "paren"; open: boolean; at: number };

export class ExpressionSyntaxError extends Error {}

// RE2 (GitLab's regex engine) flags that JavaScript understands the same way.
const supportedFlags = new Set(["i", "m", "s"]);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new ExpressionSyntaxError(`${what} at position ${i} in \`${source}\``);
  };
  while (i < source.length) {
    const rest = source.slice(i);
    const at = i;
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const variable = /^\$(?:\{(\w+)\}|(\w+))/.exec(rest);
    if (variable) {
      tokens.push({ type: "variable", name: (variable[1] ?? variable[2]) as string, at });
      i += variable[0].length;
      continue;
    }
    const str = /^"([^"]*)"|^'([^']*)'/.exec(rest);
    if (str) {
      tokens.push({ type: "string", value: (str[1] ?? str[2]) as string, at });
      i += str[0].length;
      continue;
    }
    if (rest.startsWith("/")) {
      const pattern = /^\/((?:\\.|[^/\\])+)\/([A-Za-z]*)/.exec(rest);
      if (!pattern) fail("unterminated pattern");
      const [text, body, flags] = pattern as RegExpExecArray;
      for (const flag of flags ?? "")
        if (!supportedFlags.has(flag)) fail(`unsupported pattern flag '${flag}'`);
      tokens.push({ type: "pattern", source: body as string, flags: flags ?? "", at });
      i += text.length;
      continue;
    }
    const nullWord = /^null\b/.exec(rest);
    if (nullWord) {
      tokens.push({ type: "null", at });
      i += 4;
      continue;
    }
    const op = /^(==|!=|=~|!~|&&|\|\|)/.exec(rest);
    if (op) {
      tokens.push({ type: "op", op: op[1] as "==" | "!=" | "=~" | "!~" | "&&" | "||", at });
      i += 2;
      continue;
    }
    if (rest[0] === "(" || rest[0] === ")") {
      tokens.push({ type: "paren", open: rest[0] === "(", at });
      i += 1;
      continue;
    }
    fail(`unexpected character '${rest[0]}'`);
  }
  return tokens;
}

export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let pos = 0;
  const fail = (what: string): never => {
    const token = tokens[pos];
    const where = token ? `at position ${token.at}` : "at end of input";
    throw new ExpressionSyntaxError(`${what} ${where} in \`${source}\``);
  };

  const parseOr = (): Expression => {
    let left = parseAnd();
    for (let t = tokens[pos]; t?.type === "op" && t.op === "||"; t = tokens[pos]) {
      pos++;
      left = { kind: "logical", op: "||", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expression => {
    let left = parseComparison();
    for (let t = tokens[pos]; t?.type === "op" && t.op === "&&"; t = tokens[pos]) {
      pos++;
      left = { kind: "logical", op: "&&", left, right: parseComparison() };
    }
    return left;
  };
  const parseComparison = (): Expression => {
    const left = parsePrimary();
    const t = tokens[pos];
    if (t?.type === "op" && t.op !== "&&" && t.op !== "||") {
      pos++;
      return { kind: "compare", op: t.op, left, right: parsePrimary() };
    }
    return left;
  };
  const parsePrimary = (): Expression => {
    const t = tokens[pos];
    if (!t) return fail("expected a value");
    pos++;
    switch (t.type) {
      case "variable":
        return { kind: "variable", name: t.name };
      case "string":
        return { kind: "string", value: t.value };
      case "pattern":
        return { kind: "pattern", source: t.source, flags: t.flags };
      case "null":
        return { kind: "null" };
      case "paren": {
        if (!t.open) {
          pos--;
          return fail("unexpected ')'");
        }
        const inner = parseOr();
        const close = tokens[pos];
        if (close?.type !== "paren" || close.open) return fail("expected ')'");
        pos++;
        return inner;
      }
      case "op":
        pos--;
        return fail(`unexpected operator '${t.op}'`);
    }
  };

  if (tokens.length === 0) throw new ExpressionSyntaxError("empty expression");
  const expression = parseOr();
  if (pos < tokens.length) fail("unexpected token");
  return expression;
}

type Value = string | null | boolean | RegExp;

function truthy(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "boolean") return value;
  return true;
}

// `/re/flags` written as text (a variable's value on the right of =~): GitLab turns it into a pattern; anything
// else is no pattern at all.
function toPattern(value: Value): RegExp | null {
  if (value instanceof RegExp) return value;
  if (typeof value !== "string") return null;
  const match = /^\/(.+)\/([A-Za-z]*)$/s.exec(value);
  if (!match) return null;
  const flags = match[2] ?? "";
  if ([...flags].some((f) => !supportedFlags.has(f))) return null;
  try {
    return new RegExp(match[1] as string, flags);
  } catch {
    return null;
  }
}

function asText(value: Value): string {
  if (value === null) return "";
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  return String(value);
}

function evaluate(expression: Expression, variables: Readonly<Record<string, string>>): Value {
  switch (expression.kind) {
    case "variable":
      return Object.hasOwn(variables, expression.name) ? (variables[expression.name] as string) : null;
    case "string":
      return expression.value;
    case "null":
      return null;
    case "pattern":
      try {
        return new RegExp(expression.source, expression.flags);
      } catch (error) {
        throw new ExpressionSyntaxError(
          `invalid pattern /${expression.source}/: ${(error as Error).message}`,
        );
      }
    case "logical": {
      const left = truthy(evaluate(expression.left, variables));
      if (expression.op === "&&") return left && truthy(evaluate(expression.right, variables));
      return left || truthy(evaluate(expression.right, variables));
    }
    case "compare": {
      const left = evaluate(expression.left, variables);
      const right = evaluate(expression.right, variables);
      if (expression.op === "==" || expression.op === "!=") {
        const equal =
          left === null || right === null
            ? left === right
            : asText(left) === asText(right) && typeof left === typeof right;
        return expression.op === "==" ? equal : !equal;
      }
      const pattern = toPattern(right);
      // GitLab: with no usable pattern, =~ is false and !~ is true; a null left side matches as "".
      const matches = pattern !== null && pattern.test(asText(left));
      return expression.op === "=~" ? matches : !matches;
    }
  }
}

/** Evaluates a parsed or textual `rules: if:` expression; throws ExpressionSyntaxError on bad syntax. */
export function evaluateExpression(
  expression: string | Expression,
  variables: Readonly<Record<string, string>>,
): boolean {
  const ast = typeof expression === "string" ? parseExpression(expression) : expression;
  return truthy(evaluate(ast, variables));
}
