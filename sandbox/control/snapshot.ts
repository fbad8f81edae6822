// Everything the sandbox holds, as plain JSON: what `GET /-/sandbox/state` answers and tests assert on.
// Secrets are included on purpose (it is the admin's view of a local test instance), except file bodies.
import type { SandboxServices } from "../services.ts";

export function snapshotState(sb: SandboxServices): Record<string, unknown> {
  const s = sb.state;
  const list = <T>(m: Map<number, T>): T[] => [...m.values()];
  return {
    users: list(s.users),
    groups: list(s.groups).map((g) => ({ ...g, members: Object.fromEntries(g.members) })),
    projects: list(s.projects).map((p) => ({
      ...p,
      members: Object.fromEntries(p.members),
    })),
    issues: list(s.issues),
    merge_requests: list(s.mergeRequests),
    notes: list(s.notes),
    award_emoji: list(s.awards),
    pipelines: list(s.pipelines),
    jobs: list(s.jobs),
    hook_deliveries: list(s.deliveries),
    uploads: list(s.uploads).map(({ data, ...rest }) => ({ ...rest, size: data.length })),
    tokens: [...s.tokens.values()],
  };
}
