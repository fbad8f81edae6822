// The agent's box on this machine, with real processes: what the runner offers is probed, and a scripted
// attacker (node, started as the CLI would be) reads every process's environment and command line, the job's
// run directory, the tree's parent and its HOME. The job's secrets stay out of reach; the tree is written and
// handed back to its owner; nothing of the agent's user is left running. CI runs this as root (the agent as
// the user agent-box, .ci/run creates it) and again as a user that is not root (namespaces only).
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runAgentProcess } from "../../job/agents/process.ts";
import { openAgentBox } from "../../job/box/agent-box.ts";
import {
  DEFAULT_BOX_USER,
  isolationRefusal,
  probeIsolation,
  UNBOXED_ENV,
  type Isolation,
} from "../../job/box/isolation.ts";

const CANARY = "glpat-boxCanary0123456789abcdef";
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Processes whose command line holds the marker (Linux /proc). */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** The marked processes still there once they had up to `ms` to go (a SIGKILL is not instant). */
async function goneWithin(marker: string, ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let left = await processesWith(marker);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = await processesWith(marker);
  }
  return left;
}

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

// Reads all it can of /proc (every environ and cmdline), the paths it is given, and lists HOME; prints JSON.
const ATTACKER = `
const fs = require("node:fs");
const read = (p) => { try { return fs.readFileSync(p, "utf8"); } catch (e) { return "ERR " + e.code; } };
const list = (p) => { try { return fs.readdirSync(p); } catch (e) { return "ERR " + e.code; } };
const pids = fs.readdirSync("/proc").filter((e) => /^\\d+$/.test(e));
const procs = pids.map((pid) => read("/proc/" + pid + "/environ") + read("/proc/" + pid + "/cmdline"));
const [secretFile, treeParent] = process.argv.slice(1);
fs.writeFileSync("written-by-agent.txt", "agent was here\\n");
// A daemon that leaves the CLI's session, to outlive the run.
const daemon = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)", "box-test-daemon"], { detached: true, stdio: "ignore" });
daemon.unref();
console.log(JSON.stringify({
  uid: process.getuid(), daemon: typeof daemon.pid, pids, procs, secret: read(secretFile), parent: list(treeParent),
  home: list(process.env.HOME), tmp: list(process.env.TMPDIR), root: list("/"),
}));
`;

describe("the agent box on this runner", () => {
  it("offers a separation: a user of its own when the job is root, namespaces where bwrap can make them", async () => {
    const isolation = await probeIsolation({ env: process.env });
    expect(isolation.user !== null || isolation.namespaces, isolation.notes.join("; ")).toBe(true);
    if (process.getuid?.() === 0) expect(isolation.user?.name).toBe(DEFAULT_BOX_USER);
    else expect(isolation.user).toBeNull();
  });

  const root = process.getuid?.() === 0;
  it.each([
    ["as probed", "probed"],
    // The Docker executor's case: root without the privilege for namespaces.
    ...(root ? [["as its own user alone", "user"] as const] : []),
    // Root without CAP_SYS_ADMIN where user namespaces are allowed: bwrap started as the agent's user.
    ...(root ? [["in bwrap started as its own user", "bwrap as user"] as const] : []),
  ] as const)(
    "keeps the job's environment, run directory and processes out of the agent's reach (%s)",
    async (_, mode) => {
      const probed = await probeIsolation({ env: process.env });
      const isolation: Isolation =
        mode === "user"
          ? { ...probed, namespaces: false }
          : mode === "bwrap as user"
            ? {
                user: probed.user,
                namespaces: probed.namespaces,
                notes: [],
                ...(probed.bwrap ? { bwrap: probed.bwrap } : {}),
              }
            : probed;
      const tree = await temp("box-tree-");
      // A checkout the agent's user can reach, as /builds is.
      await chmod(tree, 0o755);
      await writeFile(join(tree, "app.txt"), "one\n");
      const runDir = await temp("box-run-");
      const secretFile = join(runDir, "id-token");
      await writeFile(secretFile, CANARY, { mode: 0o600 });
      const owner = await stat(tree);

      const box = await openAgentBox({ isolation, workdir: tree, images: [], toolchain: [] });
      // A process of the job's with the token in its environment from the start, as `agent-bridge run` has.
      const job = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)"], {
        env: { GITLAB_TOKEN: CANARY },
        stdio: "ignore",
      });
      const lines: string[] = [];
      try {
        const launch = await box.launch({
          command: process.execPath,
          args: ["-e", ATTACKER, secretFile, join(tree, "..")],
          cwd: tree,
          // The box mounts every PATH folder read-only, as it should; npm's PATH also holds the node_modules/.bin
          // of every folder above the checkout, which may sit in the temp dir this test looks into. So the
          // attacker gets node's folder and the system's, and the temp dir shows only what the box put there.
          env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: box.homeDir },
        });
        const proc = await runAgentProcess({
          ...launch,
          stdin: "",
          deadlineAt: Date.now() + 60_000,
          signal: new AbortController().signal,
          onLine: (line) => void lines.push(line),
        });
        expect(proc.code, proc.stderrTail).toBe(0);
      } finally {
        job.kill("SIGKILL");
        await box.close();
      }

      const seen = JSON.parse(lines.join("\n")) as {
        uid: number;
        daemon: string;
        pids: string[];
        procs: string[];
        secret: string;
        parent: string[] | string;
        home: string[] | string;
        tmp: string[] | string;
      };
      expect(lines.join("\n")).not.toContain(CANARY);
      expect(seen.secret).toMatch(/^ERR /);
      expect(seen.daemon).toBe("number");
      expect(seen.home).toEqual([]);
      expect(seen.tmp).toEqual([]);
      if (isolation.user) expect(seen.uid).toBe(isolation.user.uid);
      if (isolation.namespaces) {
        // A fresh /proc: bwrap's init and the attacker, none of the job's processes.
        expect(seen.pids.length).toBeLessThanOrEqual(3);
        // Of the tree's parent folder (the temp dir here), only the tree and the box's own folder are there.
        const parent = seen.parent as string[];
        expect(parent.filter((name) => !name.startsWith("agent-bridge-box-"))).toEqual([
          tree.split("/").at(-1),
        ]);
        expect(parent).not.toContain(runDir.split("/").at(-1));
      }
      // The tree was the agent's to write, and is its owner's again.
      expect(await readFile(join(tree, "written-by-agent.txt"), "utf8")).toBe("agent was here\n");
      for (const file of ["app.txt", "written-by-agent.txt", "."]) {
        const now = await stat(join(tree, file));
        expect([now.uid, now.gid], file).toEqual([owner.uid, owner.gid]);
      }
      // Nothing the agent started outlives the box.
      expect(await goneWithin("box-test-daemon", 10_000)).toEqual([]);
    },
  );

  it("refuses to start the agent where there is no separation, unless the opt-out names what it gives up", () => {
    const none: Isolation = {
      user: null,
      namespaces: false,
      notes: ["user: no, the job runs as uid 1000", "namespaces: no, bwrap is not installed"],
    };
    const refusal = isolationRefusal(none, {});
    expect(refusal).toContain("the agent was not started");
    expect(refusal).toContain("bwrap is not installed");
    expect(refusal).toContain(`${UNBOXED_ENV}=true`);
    expect(isolationRefusal(none, { [UNBOXED_ENV]: "true" })).toBeUndefined();
    expect(isolationRefusal({ ...none, namespaces: true }, {})).toBeUndefined();
  });

  it("finds no user of its own for a job that is not root", async () => {
    const isolation = await probeIsolation({ env: { PATH: "/nonexistent" }, uid: 1000 });
    expect(isolation).toMatchObject({ user: null, namespaces: false });
    expect(isolation.notes.join("\n")).toContain("not root");
    expect(isolation.notes.join("\n")).toContain("bwrap is not installed");
  });
});
