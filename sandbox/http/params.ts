// GitLab takes parameters from the query string, a JSON body or a form body, with Rails' bracket notation
// for nesting (`position[new_line]=3`, `variables[KEY]=v`, `variables[][key]=K`). This turns all three into
// one plain object, and gives routes typed readers that fail with Grape's error bodies.
import { invalid, missing } from "./api-error.ts";

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };
export type Params = Record<string, ParamValue>;

/** Parses `a[b][c]=v` / `a[]=v` / `a[][k]=v` pairs into nested objects and arrays, as Rack does. */
export function parseBracketPairs(pairs: Iterable<[string, string]>): Params {
  const root: Params = {};
  for (const [rawKey, value] of pairs) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match) {
      root[rawKey] = value;
      continue;
    }
    const head = match[1] as string;
    const parts = [...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] as string);
    assign(root, head, parts, value);
  }
  return root;
}

function assign(container: Params, key: string, rest: string[], value: string): void {
  if (rest.length === 0) {
    container[key] = value;
    return;
  }
  const [next, ...tail] = rest as [string, ...string[]];
  if (next === "") {
    const list = Array.isArray(container[key]) ? (container[key] as ParamValue[]) : [];
    container[key] = list;
    if (tail.length === 0) {
      list.push(value);
      return;
    }
    // `variables[][key]=K&variables[][value]=V`: start a new element when the last one already has the key.
    const [leaf] = tail as [string];
    let last = list[list.length - 1];
    if (!isObject(last) || tail.length !== 1 || leaf in last) {
      last = {};
      list.push(last);
    }
    assign(last as Params, leaf, tail.slice(1), value);
    return;
  }
  const child = isObject(container[key]) ? (container[key] as Params) : {};
  container[key] = child;
  assign(child, next, tail, value);
}

function isObject(v: ParamValue | undefined): v is { [key: string]: ParamValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Typed readers over merged params. Each throws GitLab's 400 body when a value is missing or wrong. */
export class ParamReader {
  constructor(readonly all: Params) {}

  has(name: string): boolean {
    return this.all[name] !== undefined && this.all[name] !== null;
  }

  raw(name: string): ParamValue | undefined {
    return this.all[name];
  }

  string(name: string): string | undefined {
    const v = this.all[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw invalid(name);
  }

  requiredString(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === "") throw missing(name);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.all[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw invalid(name);
    return n;
  }

  requiredInt(name: string): number {
    const v = this.int(name);
    if (v === undefined) throw missing(name);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.all[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (v === true || v === "true" || v === "1" || v === 1) return true;
    if (v === false || v === "false" || v === "0" || v === 0) return false;
    throw invalid(name);
  }

  oneOf<T extends string>(name: string, options: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(options as readonly string[]).includes(v)) throw invalid(name, "does not have a valid value");
    return v as T;
  }

  object(name: string): Params | undefined {
    const v = this.all[name];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) throw invalid(name);
    return v;
  }

  list(name: string): ParamValue[] | undefined {
    const v = this.all[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    if (typeof v === "string") return v === "" ? [] : v.split(",");
    if (isObject(v)) return Object.values(v);
    throw invalid(name);
  }
}
