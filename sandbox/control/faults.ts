// Fault and latency injection for the API: "the next N requests matching METHOD and a path pattern answer
// STATUS, or wait MS first". It is how tests prove retries, deadlines and crash safety against real HTTP.
import { z } from "zod";

export const FaultSpec = z.object({
  method: z.string().toUpperCase().optional(),
  /** A regular expression matched against the request path (no query), e.g. `/award_emoji$`. */
  path: z.string().min(1),
  /** Only requests made with a token of this user (by username): faults for one client's calls alone. */
  user: z.string().optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  delayMs: z.number().int().min(0).max(120_000).optional(),
  /** How many matching requests this fault applies to (default 1). */
  times: z.number().int().min(1).max(10_000).default(1),
});
export type FaultSpec = z.infer<typeof FaultSpec>;

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  pattern: RegExp;
  remaining: number;
  hits: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;
  latencyMs: number;

  constructor(latencyMs: number) {
    this.latencyMs = latencyMs;
  }

  add(spec: FaultSpec): { id: number } {
    const fault = { id: this.nextId++, spec, pattern: new RegExp(spec.path), remaining: spec.times, hits: 0 };
    this.faults.push(fault);
    return { id: fault.id };
  }

  /** The fault that applies to this request, consuming one of its uses. */
  take(method: string, path: string, username?: string): FaultSpec | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.spec.method && f.spec.method !== method) continue;
      if (f.spec.user !== undefined && f.spec.user.toLowerCase() !== username?.toLowerCase()) continue;
      if (!f.pattern.test(path)) continue;
      f.remaining--;
      f.hits++;
      return f.spec;
    }
    return undefined;
  }

  list(): Array<{ id: number; spec: FaultSpec; remaining: number; hits: number }> {
    return this.faults.map(({ id, spec, remaining, hits }) => ({ id, spec, remaining, hits }));
  }

  clear(): void {
    this.faults = [];
  }
}
