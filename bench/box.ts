// bench/box: the start-up cost the agent's box adds to a run. What `agent-bridge run` does around the CLI:
// the probe of the runner's isolation, opening the box (its folder, the tree of FILES files handed to the
// agent's user), launching a command through it (bwrap, setpriv) and closing it (the tree handed back), timed
// against the same command started plainly. Each figure is the median of ROUNDS. The command is `true`, so
// the difference is the box's alone. Run: node bin/run-ts.js bench/box.ts
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentLaunch } from "../job/agents/agent-env.ts";
import { openAgentBox } from "../job/box/agent-box.ts";
import { describeIsolation, probeIsolation } from "../job/box/isolation.ts";

const ROUNDS = 15;
const FILES = 2_000;

function run(launch: AgentLaunch): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: "ignore",
      ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
      ...(launch.gid !== undefined ? { gid: launch.gid } : {}),
    });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`exit code ${code}`))));
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const tree = await mkdtemp(join(tmpdir(), "bench-box-tree-"));
for (let i = 0; i < FILES; i++) {
  const dir = join(tree, `dir${i % 40}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `file${i}.txt`), `line ${i}\n`);
}
const plain: AgentLaunch = {
  command: "true",
  args: [],
  cwd: tree,
  env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
};

const probe: number[] = [];
const open: number[] = [];
const boxedRun: number[] = [];
const close: number[] = [];
const plainRun: number[] = [];
let isolation = await probeIsolation({ env: process.env });
for (let round = 0; round < ROUNDS; round++) {
  probe.push(await timed(async () => (isolation = await probeIsolation({ env: process.env }))));
  let box: Awaited<ReturnType<typeof openAgentBox>> | undefined;
  open.push(
    await timed(
      async () => (box = await openAgentBox({ isolation, workdir: tree, images: [], toolchain: [] })),
    ),
  );
  const opened = box as NonNullable<typeof box>;
  boxedRun.push(await timed(async () => run(await opened.launch(plain))));
  close.push(await timed(() => opened.close()));
  plainRun.push(await timed(() => run(plain)));
}
await rm(tree, { recursive: true, force: true });

const added = median(probe) + median(open) + median(boxedRun) - median(plainRun) + median(close);
console.log(
  JSON.stringify({
    isolation: describeIsolation(isolation),
    rounds: ROUNDS,
    treeFiles: FILES,
    probeMedianMs: Number(median(probe).toFixed(1)),
    openMedianMs: Number(median(open).toFixed(1)),
    boxedTrueMedianMs: Number(median(boxedRun).toFixed(1)),
    plainTrueMedianMs: Number(median(plainRun).toFixed(1)),
    closeMedianMs: Number(median(close).toFixed(1)),
    addedPerRunMs: Number(added.toFixed(1)),
  }),
);
