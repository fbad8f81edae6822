// The images' Dockerfiles, checked statically (no Docker engine here) with hadolint's most useful rules and
// the project's own: pinned bases, the CLI at exactly package.json's version, a non-root user, no secrets,
// package lists cleaned, and agent-bridge installed as its packed package only (the tarball `npm pack` makes:
// no sources, tests, sandbox or development dependencies), built from exactly the folders the build reads.
import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedPackage, type PackedPackage } from "./support/packed-package.ts";
import {
  finalStage,
  globalNpmInstalls,
  INSTRUCTIONS,
  keyValues,
  parseDockerfile,
} from "./support/dockerfile.ts";
import type { Dockerfile, Instruction } from "./support/dockerfile.ts";
import { readRepoFile, repoRoot } from "./support/components.ts";

const pkg = JSON.parse(readRepoFile("package.json")) as {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// Built and listed once for the file (a real esbuild run and `npm pack --dry-run`).
let packed: PackedPackage;
beforeAll(async () => {
  packed = await packedPackage();
}, 120_000);
afterAll(async () => {
  await packed.remove();
});

const IMAGES = [
  { path: "images/claude/Dockerfile", assistant: "claude", variant: "ubuntu" },
  { path: "images/claude/alpine.Dockerfile", assistant: "claude", variant: "alpine" },
  { path: "images/codex/Dockerfile", assistant: "codex", variant: "ubuntu" },
  { path: "images/codex/alpine.Dockerfile", assistant: "codex", variant: "alpine" },
] as const;

const CLI_PACKAGE = { claude: "@anthropic-ai/claude-code", codex: "@openai/codex" } as const;
const NODE_MAJOR = "22";

function load(path: string): Dockerfile {
  return parseDockerfile(readRepoFile(path));
}

function runs(file: Dockerfile): Instruction[] {
  return finalStage(file).filter((i) => i.keyword === "RUN");
}

/** Packages an `apt-get install` or `apk add` in the final stage installs. */
function systemPackages(file: Dockerfile): string[] {
  return runs(file).flatMap((run) =>
    run.args.split(/&&|;/).flatMap((command) => {
      const words = command.trim().split(/\s+/);
      const apt = words[0] === "apt-get" && words.includes("install");
      const apk = words[0] === "apk" && words[1] === "add";
      if (!apt && !apk) return [];
      return words.slice(apt ? words.indexOf("install") + 1 : 2).filter((w) => !w.startsWith("-"));
    }),
  );
}

function env(file: Dockerfile): Record<string, string> {
  return Object.assign(
    {},
    ...finalStage(file)
      .filter((i) => i.keyword === "ENV")
      .map((i) => keyValues(i.args)),
  ) as Record<string, string>;
}

/** The instructions of the stage named `name`. */
function stage(file: Dockerfile, name: string): Instruction[] {
  const index = file.stages.findIndex((s) => s.name === name);
  return file.instructions.filter((i) => index >= 0 && i.stage === index);
}

/** `COPY a b ./dest` sources, without the ones from another stage (default: the final stage's). */
function contextCopies(file: Dockerfile, instructions: Instruction[] = finalStage(file)): string[] {
  return instructions
    .filter((i) => i.keyword === "COPY" && !/--from=/.test(i.args))
    .flatMap((i) =>
      i.args
        .split(/\s+/)
        .filter((word) => !word.startsWith("--"))
        .slice(0, -1),
    );
}

describe.each(IMAGES)("$path", ({ path, assistant, variant }) => {
  const file = load(path);
  const text = readRepoFile(path);
  const last = finalStage(file);

  it("uses only valid instructions, upper case, starting with FROM", () => {
    for (const instruction of file.instructions) {
      expect(INSTRUCTIONS.has(instruction.keyword), `line ${instruction.line}: ${instruction.keyword}`).toBe(
        true,
      );
    }
    const first = file.instructions.find((i) => i.keyword !== "ARG");
    expect(first?.keyword).toBe("FROM");
  });

  it(`pins every base image by a versioned tag, Node ${NODE_MAJOR} included`, () => {
    const names = new Set(file.stages.map((stage) => stage.name).filter(Boolean));
    for (const { image } of file.stages) {
      expect(image, image).not.toContain("$");
      const [name, tag] = image.split(":");
      expect(name, image).toMatch(/^[a-z0-9./-]+$/);
      expect(tag, image).toMatch(/^\d[\w.-]*$/);
      expect(tag, image).not.toMatch(/latest/);
    }
    const node = file.stages.find((stage) => stage.image.startsWith("node:"));
    expect(node?.image).toMatch(new RegExp(`^node:${NODE_MAJOR}\\.\\d+\\.\\d+-`));
    for (const instruction of file.instructions.filter((i) => /--from=/.test(i.args))) {
      const from = /--from=(\S+)/.exec(instruction.args)?.[1] as string;
      expect(names.has(from), `line ${instruction.line}: --from=${from} names a stage`).toBe(true);
    }
    const base = file.stages.at(-1)?.image ?? "";
    if (variant === "alpine") expect(base).toMatch(new RegExp(`^node:${NODE_MAJOR}\\.\\d+\\.\\d+-alpine`));
    else expect(base).toMatch(/^ubuntu:\d{2}\.\d{2}$/);
  });

  it(`installs ${CLI_PACKAGE[assistant]} globally at exactly package.json's version`, () => {
    const installs = runs(file).flatMap((run) => globalNpmInstalls(run.args));
    expect(installs).toEqual([
      { name: CLI_PACKAGE[assistant], version: pkg.devDependencies[CLI_PACKAGE[assistant]] },
    ]);
    for (const install of installs) expect(install.version).toMatch(/^\d+\.\d+\.\d+$/);
    // The install is checked at build time.
    expect(text).toContain(`&& ${assistant} --version`);
  });

  it("installs system packages without recommends, and cleans the lists in the same layer", () => {
    for (const run of runs(file)) {
      const line = `line ${run.line}`;
      if (/apt-get\s+install/.test(run.args)) {
        expect(run.args, line).toMatch(/apt-get update\s*&&/);
        expect(run.args, line).toMatch(/apt-get install -y --no-install-recommends /);
        expect(run.args, line).toContain("rm -rf /var/lib/apt/lists/*");
      }
      if (/apk\s+add/.test(run.args)) expect(run.args, line).toMatch(/apk add --no-cache /);
      expect(run.args, line).not.toMatch(/apt-get (dist-)?upgrade|apk upgrade/);
      expect(run.args, line).not.toMatch(/\bsudo\b|\bcd\s/);
      // A pipe hides the failure of its left side unless pipefail is set (hadolint DL4006).
      if (/[^|]\|[^|]/.test(run.args)) expect(run.args, line).toContain("set -o pipefail");
      expect(run.args, line).not.toMatch(/(curl|wget)[^&]*\|\s*(ba)?sh/);
    }
    expect(file.instructions.some((i) => i.keyword === "ADD")).toBe(false);
  });

  it("has git, certificates, and what the CLI needs on this distribution", () => {
    const packages = systemPackages(file);
    expect(packages).toEqual(expect.arrayContaining(["git", "ca-certificates"]));
    // Codex's sandbox, and Claude Code's subprocess isolation (CLAUDE_CODE_SUBPROCESS_ENV_SCRUB), need bwrap.
    expect(packages).toContain("bubblewrap");
    if (assistant === "claude") expect(packages).toContain("socat");
    // ssh-keygen signs the bot's commits when SSH_SIGNING_KEY is set.
    expect(packages).toContain(variant === "alpine" ? "openssh-keygen" : "openssh-client");
    if (assistant === "claude" && variant === "alpine") {
      expect(packages).toEqual(expect.arrayContaining(["libgcc", "libstdc++", "ripgrep"]));
      expect(env(file)["USE_BUILTIN_RIPGREP"]).toBe("0");
    }
    if (assistant === "claude") expect(env(file)["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"]).toBe("1");
  });

  it("runs the job as root beside two users of its own (agent, and agent-box for the agent's box), with setpriv, and trusts the runner's checkout for git", () => {
    // The job starts as root so that job/box/ can start the agent as agent-box (setpriv inside bubblewrap).
    const users = last.filter((i) => i.keyword === "USER");
    const user = users.at(-1);
    expect(user?.args).toBe("root");
    const lastRun = runs(file).at(-1);
    expect(user && lastRun && user.line > lastRun.line).toBe(true);
    const creates = runs(file).find((run) => /\b(useradd|adduser)\b.*\bagent\b/.test(run.args));
    expect(creates?.args).toMatch(/(useradd|adduser)[^&]*-u(id)? 10001[^&]*\bagent\b/);
    expect(creates?.args).toMatch(/(useradd|adduser)[^&]*-u(id)? 10002[^&]*\bagent-box\b/);
    // Ubuntu's util-linux (an essential package) has setpriv; Alpine ships it on its own.
    if (variant === "alpine") expect(text).toMatch(/apk add [^\n]*\bsetpriv\b/);
    expect(text).toContain("git config --system --add safe.directory '*'");
  });

  it("holds no secret", () => {
    for (const instruction of file.instructions.filter((i) => ["ENV", "ARG"].includes(i.keyword))) {
      for (const name of Object.keys(keyValues(instruction.raw))) {
        expect(name, `line ${instruction.line}`).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/);
      }
    }
    expect(text).not.toMatch(/glpat-|glptt-|sk-[A-Za-z0-9]|AKIA[0-9A-Z]{8}|-----BEGIN/);
    expect(text).not.toMatch(/--mount=type=secret|\.npmrc|_authToken/);
  });

  it("installs agent-bridge as its packed package only, with the lockfile's runtime dependencies", () => {
    // The final stage takes nothing from the build context: only the package stage's install.
    expect(contextCopies(file)).toEqual([]);
    const copies = last.filter((i) => i.keyword === "COPY").map((i) => i.args);
    expect(copies).toContain("--from=package /opt/agent-bridge /opt/agent-bridge");
    expect(text).toContain("ln -s /opt/agent-bridge/bin/agent-bridge.js /usr/local/bin/agent-bridge");
    expect(text).toContain("agent-bridge --help > /dev/null");
    // The package stage builds, packs, and installs the tarball's contents with the lockfile, no dev deps.
    const packaging = stage(file, "package");
    const commands = packaging.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(commands.join(" && ")).toMatch(
      /npm run build:package && npm pack --ignore-scripts --pack-destination \/tmp && tar -xzf \/tmp\/agent-bridge-\*\.tgz -C \/opt && mv \/opt\/package \/opt\/agent-bridge && cp package-lock\.json \/opt\/agent-bridge\//,
    );
    const workdirs = packaging.filter((i) => i.keyword === "WORKDIR").map((i) => i.args);
    expect(workdirs.at(-1)).toBe("/opt/agent-bridge");
    expect(commands.at(-1)).toMatch(/^npm ci --omit=dev --ignore-scripts .*&& rm package-lock\.json$/);
  });

  it("builds from exactly what the build reads: never the sandbox, the tests or the infrastructure", () => {
    const sources = contextCopies(file, stage(file, "package"));
    for (const source of sources) expect(existsSync(resolve(repoRoot, source)), source).toBe(true);
    const read = new Set(
      Object.keys(packed.metafile.inputs)
        .filter((path) => !path.includes("node_modules/"))
        .map((path) => path.split("/")[0] as string),
    );
    const needed = [...read, "bin", "scripts/build.ts", "package.json", "package-lock.json", "tsconfig.json"];
    expect([...sources].sort()).toEqual([...needed].sort());
  });

  it("keeps the build context to what it copies (its own .dockerignore)", () => {
    const ignore = readFileSync(resolve(repoRoot, `${path}.dockerignore`), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const allowed = ignore
      .filter((line) => line.startsWith("!"))
      .map((line) => line.slice(1).replace(/\/$/, ""));
    const copied = file.stages.flatMap((_, index) =>
      contextCopies(
        file,
        file.instructions.filter((i) => i.stage === index),
      ),
    );
    expect(allowed.sort()).toEqual([...copied].sort());
  });

  it("labels the image with the project's version, and starts a plain shell (exec form)", () => {
    const labels = Object.assign(
      {},
      ...last.filter((i) => i.keyword === "LABEL").map((i) => keyValues(i.args)),
    );
    expect(labels["org.opencontainers.image.version"]).toBe(pkg.version);
    for (const instruction of last.filter((i) => ["CMD", "ENTRYPOINT"].includes(i.keyword))) {
      expect(() => JSON.parse(instruction.args) as unknown, `line ${instruction.line}`).not.toThrow();
    }
    for (const instruction of last.filter((i) => i.keyword === "WORKDIR"))
      expect(instruction.args).toMatch(/^\//);
    // The node image's entrypoint would run `node`; GitLab's runner needs a shell.
    if (variant === "alpine")
      expect(last.some((i) => i.keyword === "ENTRYPOINT" && i.args === "[]")).toBe(true);
  });
});

describe("the image variants", () => {
  it("use one Node version everywhere", () => {
    const versions = new Set(
      IMAGES.flatMap(({ path }) =>
        load(path).stages.map((stage) => /^node:(\d+\.\d+\.\d+)/.exec(stage.image)?.[1]),
      ),
    );
    versions.delete(undefined);
    expect(versions.size).toBe(1);
  });

  it.each(["claude", "codex"] as const)(
    "of %s install the same CLI and agent-bridge the same way",
    (assistant) => {
      const [ubuntu, alpine] = IMAGES.filter((image) => image.assistant === assistant).map(({ path }) =>
        load(path),
      );
      const pick = (file: Dockerfile) => ({
        cli: runs(file).flatMap((run) => globalNpmInstalls(run.args)),
        copies: contextCopies(file),
        packaging: stage(file, "package")
          .filter((i) => i.keyword !== "FROM")
          .map((i) => `${i.keyword} ${i.args}`),
        user: finalStage(file)
          .filter((i) => i.keyword === "USER")
          .map((i) => i.args),
        env: Object.fromEntries(Object.entries(env(file)).filter(([name]) => name !== "USE_BUILTIN_RIPGREP")),
      });
      expect(pick(alpine as Dockerfile)).toEqual(pick(ubuntu as Dockerfile));
    },
  );
});

describe("the package the images install (npm pack)", () => {
  it("holds the launcher, the bundles and their maps, package.json and the README: nothing else", () => {
    const allowed = /^(bin\/agent-bridge\.js|package\.json|README\.md|dist\/[\w.-]+\.js(\.map)?)$/;
    for (const path of packed.files) expect(path, path).toMatch(allowed);
    for (const path of packed.files) expect(path, path).not.toMatch(/\.ts$|^(test|sandbox|cli|job|shared)\//);
    for (const target of [...Object.values(pkg.bin), ...Object.values(pkg.exports)]) {
      expect(packed.files, target).toContain(target.replace(/^\.\//, ""));
    }
    expect(packed.files).toContain("dist/mcp-server.js");
  });

  it("imports exactly its dependencies; tsx only where a development command is loaded from a checkout", () => {
    const imported = (kind: "static" | "dynamic") =>
      new Set(
        Object.values(packed.metafile.outputs)
          .flatMap((output) => output.imports)
          .filter((i) => i.external && !isBuiltin(i.path) && !i.path.startsWith("."))
          .filter((i) => (kind === "dynamic") === (i.kind === "dynamic-import"))
          .map((i) =>
            (i.path.startsWith("@") ? i.path.split("/").slice(0, 2) : i.path.split("/").slice(0, 1)).join(
              "/",
            ),
          ),
      );
    for (const name of imported("static")) expect(Object.keys(pkg.dependencies), name).toContain(name);
    for (const name of imported("dynamic")) {
      expect([...Object.keys(pkg.dependencies), "tsx"], name).toContain(name);
    }
    // And nothing more: what only the tests, the sandbox, the MCP SDK's test client or the receivers' own
    // bundles need (they inline their packages) is a development dependency, never installed in the images.
    const used = new Set([...imported("static"), ...imported("dynamic")]);
    used.delete("tsx");
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...used].sort());
    // Development and the tests only: the sandbox is tested with gitbeaker, the sources run through tsx.
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(["tsx", "@gitbeaker/rest"]));
    expect(Object.keys(pkg.dependencies)).not.toContain("tsx");
    expect(Object.keys(pkg.dependencies)).not.toContain("@gitbeaker/rest");
  });
});

describe("the Dockerfile reader", () => {
  it("joins continuations, skips comments, substitutes ARG defaults and finds stages", () => {
    const file = parseDockerfile(
      [
        "# syntax=docker/dockerfile:1",
        "FROM node:22.1.0-slim AS node",
        "FROM ubuntu:24.04",
        "ARG V=1.2.3",
        "RUN apt-get update \\",
        "    # a comment inside",
        '    && npm install -g "pkg@${V}" @scope/x@$V',
        "ENV A=1 \\",
        '    B="two words"',
      ].join("\n"),
    );
    expect(file.stages).toEqual([
      { image: "node:22.1.0-slim", name: "node" },
      { image: "ubuntu:24.04", name: undefined },
    ]);
    const run = file.instructions.find((i) => i.keyword === "RUN");
    expect(run?.line).toBe(5);
    expect(globalNpmInstalls(run?.args ?? "")).toEqual([
      { name: "pkg", version: "1.2.3" },
      { name: "@scope/x", version: "1.2.3" },
    ]);
    expect(keyValues(file.instructions.at(-1)?.args ?? "")).toEqual({ A: "1", B: "two words" });
  });
});
