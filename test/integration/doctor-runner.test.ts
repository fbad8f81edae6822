// `agent-bridge doctor --runner` on this machine: which box the agent gets here, one line per mechanism, and
// the exit status scripts read (1 when there is no box). With bwrap off the PATH, only a root job keeps a box.
import { describe, expect, it } from "vitest";
import { runDoctor } from "../../cli/commands/doctor.ts";

async function doctor(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDoctor(["--runner"], env, {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("agent-bridge doctor --runner", () => {
  it("reports the box this machine gives the agent, needing no GitLab", async () => {
    const { code, out, err } = await doctor(process.env);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/^agent-bridge doctor: the agent's box on this machine: /);
    expect(out).toMatch(/^ {2}user: /m);
    expect(out).toMatch(/^ {2}namespaces: /m);
  });

  it("without bubblewrap: a root job keeps its own user, any other job gets no box and is told the opt-out", async () => {
    const { code, out } = await doctor({ PATH: "/nonexistent" });
    expect(out).toContain("namespaces: no, bwrap is not installed (apt-get install -y bubblewrap");
    if (process.getuid?.() === 0) {
      expect(code).toBe(0);
      expect(out).toContain("the agent's box on this machine: user agent-box, no namespaces");
    } else {
      expect(code).toBe(1);
      expect(out).toContain("AGENT_BRIDGE_UNBOXED_AGENT_CAN_READ_SECRETS=true");
    }
  });
});
