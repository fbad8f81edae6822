// A job's `artifacts:` as the runner uploads them: `paths` (files, or directories taken whole; no globs) and
// `reports: dotenv` collected from the checkout after after_script, when the job's status matches
// `artifacts: when` (on_success by default). A dotenv report's variables go to the jobs of later stages, as
// GitLab passes them on; its rules: KEY=VALUE lines, names of letters, digits and underscores, no multi-line
// values, at most 5 KB. https://docs.gitlab.com/ci/yaml/#artifacts and
// https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportsdotenv
import { readdir, readFile, stat } from "node:fs/promises";
import { join, normalize, relative } from "node:path";
import { ConfigError, isMap } from "./ci-keywords.ts";

export interface JobArtifacts {
  paths: string[];
  dotenv: string[];
  when: "on_success" | "on_failure" | "always";
}

export interface CollectedArtifacts {
  /** Uploaded files by their path in the checkout. */
  files: Record<string, Buffer>;
  /** The dotenv reports' variables, later files winning. */
  dotenv: Record<string, string>;
}

const DOTENV_MAX_BYTES = 5 * 1024;

const list = (value: unknown, where: string): string[] => {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((i): i is string => typeof i === "string"))
    throw new ConfigError(`${where} config should be an array of strings`);
  return items;
};

/** `artifacts:` of a job; the keys the sandbox has no use for (name, expire_in, expose_as, ...) are accepted. */
export function parseArtifacts(value: unknown, where: string): JobArtifacts | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) throw new ConfigError(`${where} config should be a hash`);
  const when = value.when ?? "on_success";
  if (when !== "on_success" && when !== "on_failure" && when !== "always") {
    throw new ConfigError(`${where}:when config should be on_success, on_failure or always`);
  }
  const reports = value.reports ?? {};
  if (!isMap(reports)) throw new ConfigError(`${where}:reports config should be a hash`);
  return {
    paths: list(value.paths, `${where}:paths`),
    dotenv: list(reports.dotenv, `${where}:reports:dotenv`),
    when,
  };
}

/** GitLab's dotenv parser (Ci::ParseDotenvArtifactService): one KEY=VALUE a line; blank lines skipped. */
export function parseDotenv(
  text: string,
): { ok: true; value: Record<string, string> } | { ok: false; error: string } {
  if (Buffer.byteLength(text) > DOTENV_MAX_BYTES) return { ok: false, error: "Dotenv Artifact Too Big" };
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.replace(/\r$/, ""));
    if (!match)
      return { ok: false, error: `Validation failed: Key can contain only letters, digits and '_'.` };
    out[match[1] as string] = match[2] as string;
  }
  return { ok: true, value: out };
}

async function addPath(files: Record<string, Buffer>, projectDir: string, path: string): Promise<boolean> {
  const full = normalize(join(projectDir, path));
  if (relative(projectDir, full).startsWith("..")) return false;
  const info = await stat(full).catch(() => null);
  if (info === null) return false;
  if (info.isFile()) {
    files[relative(projectDir, full)] = await readFile(full);
    return true;
  }
  if (!info.isDirectory()) return false;
  for (const entry of await readdir(full)) await addPath(files, projectDir, join(path, entry));
  return true;
}

/** What the job uploads, or undefined when `when` does not match its status. */
export async function collectArtifacts(
  spec: JobArtifacts,
  status: "success" | "failed" | "canceled",
  projectDir: string,
  line: (text: string) => void,
): Promise<CollectedArtifacts | undefined> {
  const wanted =
    spec.when === "always" || (spec.when === "on_success" ? status === "success" : status === "failed");
  if (!wanted || status === "canceled") return undefined;
  line("");
  line(`Uploading artifacts for ${status === "success" ? "successful" : "failed"} job`);
  const files: Record<string, Buffer> = {};
  for (const path of spec.paths) {
    if (!(await addPath(files, projectDir, path))) line(`WARNING: ${path}: no matching files`);
  }
  const dotenv: Record<string, string> = {};
  for (const path of spec.dotenv) {
    const text = await readFile(join(projectDir, path), "utf8").catch(() => null);
    if (text === null) {
      line(`WARNING: ${path}: no matching files`);
      continue;
    }
    files[normalize(path)] = Buffer.from(text);
    const parsed = parseDotenv(text);
    if (!parsed.ok) line(`WARNING: ${path}: ${parsed.error}`);
    else Object.assign(dotenv, parsed.value);
  }
  line(`Uploaded ${Object.keys(files).length} artifact file(s)`);
  return { files, dotenv };
}
