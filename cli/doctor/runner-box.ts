// `agent-bridge doctor --runner`: run on a runner (or in a job, in the job's image), it says which box the
// agent would get there: a user of its own, bubblewrap namespaces, both, or none (then `agent-bridge run`
// refuses to start the agent unless the project opts out by name), with the fix for what is missing.
import { describeIsolation, probeIsolation, UNBOXED_ENV, type Isolation } from "../../job/box/isolation.ts";

export interface RunnerBoxReport {
  isolation: Isolation;
  text: string;
  /** 0 when the agent gets a box here, 1 when it gets none. */
  exitCode: 0 | 1;
}

export async function runnerBoxReport(
  env: Readonly<Record<string, string | undefined>>,
): Promise<RunnerBoxReport> {
  const isolation = await probeIsolation({ env });
  const boxed = isolation.user !== null || isolation.namespaces;
  const lines = [
    `agent-bridge doctor: the agent's box on this machine: ${describeIsolation(isolation)}`,
    ...isolation.notes.map((note) => `  ${note}`),
    "",
    boxed
      ? isolation.user !== null && isolation.namespaces
        ? "The agent runs as its own user, in namespaces of its own: the full box."
        : "The agent gets part of the box; the line above that says no has the fix for the rest."
      : `No box: agent-bridge run refuses to start the agent here unless ${UNBOXED_ENV}=true (the agent can then read what the job can).`,
  ];
  return { isolation, text: lines.join("\n"), exitCode: boxed ? 0 : 1 };
}
