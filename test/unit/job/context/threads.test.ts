// job/context/threads: the cut at the triggering note (created or edited after it: out; resolved after it:
// still in), system notes out, internal notes only for a confidential request, the run's placeholder silent.
import { describe, expect, it } from "vitest";
import type { ThreadNote } from "../../../../shared/gitlab/api/notes.ts";
import { isAfterCutoff, toContextThread, type Cutoff } from "../../../../job/context/threads.ts";

const TRIGGER_AT = Date.parse("2024-05-01T10:00:00.000Z");
const cutoff: Cutoff = { noteId: 50, createdAt: TRIGGER_AT, includeInternal: false, ignore: new Set([51]) };

function note(id: number, created: string, fields: Partial<ThreadNote> = {}): ThreadNote {
  return {
    id,
    body: `note ${id}`,
    author: { username: "ana" },
    created_at: created,
    updated_at: created,
    ...fields,
  };
}

describe("job/context/threads", () => {
  it("cuts at the triggering note: created after, or edited after, is out", () => {
    expect(isAfterCutoff(note(10, "2024-05-01T09:00:00.000Z"), cutoff)).toBe(false);
    expect(isAfterCutoff(note(60, "2024-05-01T10:00:01.000Z"), cutoff)).toBe(true);
    // Same millisecond: the id decides.
    expect(isAfterCutoff(note(49, "2024-05-01T10:00:00.000Z"), cutoff)).toBe(false);
    expect(isAfterCutoff(note(52, "2024-05-01T10:00:00.000Z"), cutoff)).toBe(true);
    const edited = note(11, "2024-05-01T09:00:00.000Z", { updated_at: "2024-05-01T10:05:00.000Z" });
    expect(isAfterCutoff(edited, cutoff)).toBe(true);
    // The trigger itself, even edited, is never cut.
    expect(
      isAfterCutoff(note(50, "2024-05-01T10:00:00.000Z", { updated_at: "2024-05-01T11:00:00.000Z" }), cutoff),
    ).toBe(false);
  });

  it("does not take a resolve for an edit", () => {
    const resolved = note(12, "2024-05-01T09:00:00.000Z", {
      resolvable: true,
      resolved: true,
      resolved_at: "2024-05-01T10:30:00.000Z",
      updated_at: "2024-05-01T10:30:00.001Z",
    });
    expect(isAfterCutoff(resolved, cutoff)).toBe(false);
  });

  it("keeps what may be seen and counts what is left out", () => {
    const counts = { afterTrigger: 0, internal: 0 };
    const thread = toContextThread(
      {
        id: "t",
        notes: [
          note(10, "2024-05-01T09:00:00.000Z", {
            body: "first<!-- hidden -->",
            resolvable: true,
            resolved: false,
          }),
          note(11, "2024-05-01T09:01:00.000Z", { system: true, body: "added 1 commit" }),
          note(12, "2024-05-01T09:02:00.000Z", { internal: true }),
          note(50, "2024-05-01T10:00:00.000Z"),
          note(51, "2024-05-01T10:00:01.000Z", { body: "the placeholder" }),
          note(53, "2024-05-01T10:01:00.000Z", { body: "late" }),
        ],
      },
      cutoff,
      counts,
    );
    expect(thread?.notes.map((n) => n.id)).toEqual([10, 50]);
    expect(thread?.notes[0]?.body).toBe("first");
    expect(thread?.resolvable).toBe(true);
    expect(thread?.resolved).toBe(false);
    expect(counts).toEqual({ afterTrigger: 1, internal: 1 });
  });

  it("keeps internal notes when the request itself is confidential", () => {
    const counts = { afterTrigger: 0, internal: 0 };
    const thread = toContextThread(
      { id: "t", notes: [note(12, "2024-05-01T09:02:00.000Z", { internal: true })] },
      { ...cutoff, includeInternal: true },
      counts,
    );
    expect(thread?.notes[0]?.internal).toBe(true);
  });

  it("drops a thread with nothing left", () => {
    const counts = { afterTrigger: 0, internal: 0 };
    expect(
      toContextThread({ id: "t", notes: [note(99, "2024-06-01T00:00:00.000Z")] }, cutoff, counts),
    ).toBeNull();
  });
});
