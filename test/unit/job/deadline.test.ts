import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import {
  createRunDeadline,
  describeStop,
  publishReserveMs,
  stopReasonOf,
  watchTerminationSignals,
  type SignalSource,
} from "../../../job/deadline.ts";

function fakeTimers(start = 0) {
  let t = start;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    now: () => t,
    setTimer(fn: () => void, ms: number) {
      const timer = { at: t + ms, fn, live: true };
      timers.push(timer);
      return () => {
        timer.live = false;
      };
    },
    advance(ms: number) {
      t += ms;
      for (const timer of timers) {
        if (!timer.live || timer.at > t) continue;
        timer.live = false;
        timer.fn();
      }
    },
    live: () => timers.filter((timer) => timer.live).length,
  };
}

describe("job/deadline", () => {
  it("aborts at the deadline with the reason", () => {
    const time = fakeTimers(1_000);
    const deadline = createRunDeadline({ now: time.now, timeoutMs: 60_000, setTimer: time.setTimer });
    expect(deadline.at).toBe(61_000);
    expect(deadline.agentAt).toBe(61_000 - 15_000);
    time.advance(59_999);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.remainingMs()).toBe(1);
    time.advance(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.stopped).toEqual({ kind: "deadline", timeoutMs: 60_000 });
    expect(stopReasonOf(deadline.signal)).toEqual({ kind: "deadline", timeoutMs: 60_000 });
    expect(deadline.remainingMs()).toBe(0);
  });

  it("stops on a signal once, and clears its timer", () => {
    const time = fakeTimers();
    const deadline = createRunDeadline({ now: time.now, timeoutMs: 60_000, setTimer: time.setTimer });
    deadline.stop({ kind: "signal", signal: "SIGTERM" });
    deadline.stop({ kind: "signal", signal: "SIGINT" });
    expect(deadline.stopped).toEqual({ kind: "signal", signal: "SIGTERM" });
    expect(time.live()).toBe(0);
    time.advance(120_000);
    expect(deadline.stopped).toEqual({ kind: "signal", signal: "SIGTERM" });
  });

  it("dispose leaves the signal alone", () => {
    const time = fakeTimers();
    const deadline = createRunDeadline({ now: time.now, timeoutMs: 1_000, setTimer: time.setTimer });
    deadline.dispose();
    time.advance(5_000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it("leaves a reserve for publishing: 15 %, between 15 s and 3 min, and half of a very short run", () => {
    expect(publishReserveMs(25 * 60_000)).toBe(180_000);
    expect(publishReserveMs(10 * 60_000)).toBe(90_000);
    expect(publishReserveMs(30_000)).toBe(15_000);
    const time = fakeTimers();
    expect(createRunDeadline({ now: time.now, timeoutMs: 20_000, setTimer: time.setTimer }).agentAt).toBe(
      10_000,
    );
  });

  it("turns SIGTERM and SIGINT into calls, and removes its listeners", () => {
    const source = new EventEmitter();
    const seen: string[] = [];
    const unwatch = watchTerminationSignals(source as unknown as SignalSource, (signal) => seen.push(signal));
    source.emit("SIGTERM");
    source.emit("SIGINT");
    unwatch();
    source.emit("SIGTERM");
    expect(seen).toEqual(["SIGTERM", "SIGINT"]);
    expect(source.listenerCount("SIGTERM")).toBe(0);
  });

  it("describes a stop for the placeholder", () => {
    expect(describeStop({ kind: "deadline", timeoutMs: 1_500_000 }, "claude")).toEqual({
      error: "stopped at the run's time limit of 25 minutes (AGENT_TIMEOUT_MINUTES).",
      hint: expect.stringContaining("mention `@claude` again") as unknown,
    });
    expect(describeStop({ kind: "signal", signal: "SIGTERM" }, "codex").error).toBe(
      "stopped by SIGTERM: the job was canceled or reached its timeout.",
    );
    expect(stopReasonOf(AbortSignal.abort(new Error("other")))).toBeUndefined();
  });
});
