// A small Dockerfile reader for static checks (there is no Docker engine on the test machines): logical
// instructions with their line numbers (continuations joined, comments and parser directives dropped), build
// stages, and ARG defaults substituted the way the builder would for `${NAME}` and `$NAME`.

export const INSTRUCTIONS = new Set([
  "FROM",
  "RUN",
  "CMD",
  "LABEL",
  "EXPOSE",
  "ENV",
  "ADD",
  "COPY",
  "ENTRYPOINT",
  "VOLUME",
  "USER",
  "WORKDIR",
  "ARG",
  "ONBUILD",
  "STOPSIGNAL",
  "HEALTHCHECK",
  "SHELL",
]);

export interface Instruction {
  /** As written (upper case for a valid file). */
  keyword: string;
  /** The arguments, continuation lines joined with a space, ARG defaults substituted. */
  args: string;
  /** The arguments before substitution. */
  raw: string;
  line: number;
  /** Index of the build stage (0 for the first FROM), -1 before any FROM. */
  stage: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: Stage[];
  /** ARG defaults in effect (global and per stage merged; later wins). */
  args: Record<string, string>;
}

/** `NAME=value` pairs of ENV, ARG and LABEL (quotes removed), or the old `ENV NAME value` form. */
export function keyValues(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  const pattern = /([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let matched = false;
  for (const m of args.matchAll(pattern)) {
    matched = true;
    const value = m[2] as string;
    pairs[m[1] as string] = /^["']/.test(value) ? value.slice(1, -1) : value;
  }
  if (!matched) {
    const legacy = /^([\w.-]+)\s+(.*)$/.exec(args.trim());
    if (legacy) pairs[legacy[1] as string] = legacy[2] as string;
  }
  return pairs;
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (match, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      return Object.hasOwn(args, name) ? (args[name] as string) : match;
    },
  );
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const args: Record<string, string> = {};
  const lines = text.split("\n");
  let index = 0;
  while (index < lines.length) {
    const start = index;
    let current = (lines[index] ?? "").trimEnd();
    index++;
    if (current.trim() === "" || current.trim().startsWith("#")) continue;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (current.endsWith("\\") && index < lines.length) {
      const next = (lines[index] ?? "").trimEnd();
      index++;
      if (next.trim().startsWith("#")) continue;
      current = `${current.slice(0, -1).trimEnd()} ${next.trim()}`;
    }
    const match = /^\s*(\S+)\s*(.*)$/.exec(current);
    if (!match) continue;
    const keyword = match[1] as string;
    const raw = (match[2] as string).trim();
    if (keyword.toUpperCase() === "ARG") {
      for (const [name, value] of Object.entries(keyValues(raw))) args[name] = value;
    }
    const substituted = substitute(raw, args);
    if (keyword.toUpperCase() === "FROM") {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(substituted);
      stages.push({ image: from?.[1] ?? substituted, name: from?.[2] });
    }
    instructions.push({ keyword, args: substituted, raw, line: start + 1, stage: stages.length - 1 });
  }
  return { instructions, stages, args };
}

/** The instructions of the last stage: what ends up in the image. */
export function finalStage(file: Dockerfile): Instruction[] {
  const last = file.stages.length - 1;
  return file.instructions.filter((instruction) => instruction.stage === last);
}

/** `npm install -g a@1 b@2` → [["a", "1"], ["b", "2"]] (scoped names kept whole). */
export function globalNpmInstalls(run: string): Array<{ name: string; version: string | undefined }> {
  const installs: Array<{ name: string; version: string | undefined }> = [];
  for (const command of run.split(/&&|;|\|\|/)) {
    const words = command.trim().split(/\s+/);
    if (words[0] !== "npm" || !["install", "i", "add"].includes(words[1] ?? "")) continue;
    if (!words.includes("-g") && !words.includes("--global")) continue;
    for (const word of words.slice(2)) {
      if (word.startsWith("-")) continue;
      const spec = word.replace(/^["']|["']$/g, "");
      const at = spec.lastIndexOf("@");
      installs.push(
        at > 0
          ? { name: spec.slice(0, at), version: spec.slice(at + 1) }
          : { name: spec, version: undefined },
      );
    }
  }
  return installs;
}
