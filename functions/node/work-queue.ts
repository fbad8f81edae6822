// `agent-bridge serve`'s hand-off: an in-process queue of mention tasks with retries and back-off, so the
// delivery is answered as soon as the task is queued and a GitLab hiccup only delays the work. The backlog
// is bounded (a full queue refuses, and the receiver answers 503: the sweep finds that mention later).
// drain() stops taking tasks and runs what is left, back-offs cut short, within a grace period; a task
// still failing then is left to the sweep, which serves mentions that carry no claim.
import { RetryLater, type MentionWorker } from "../../shared/webhook/worker.ts";
import { levelFields } from "../../shared/webhook/log.ts";
import type { MentionTask } from "../../shared/webhook/mention-task.ts";

export interface WorkQueueOptions {
  worker: MentionWorker;
  /** Most tasks waiting or running at once (default 1000). */
  maxBacklog?: number;
  /** First wait before a retry, doubled per attempt (default 1000 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts (default 120 000 ms). */
  maxDelayMs?: number;
  /** Attempts before a task is given up to the sweep (default 12: about ten minutes of back-off). */
  maxAttempts?: number;
  /** Tasks run at once (default 8). */
  concurrency?: number;
  /** Receives one JSON line per queue event that is not a worker's own line (dropped, given up). */
  log: (line: string) => void;
}

export interface WorkQueue {
  add(task: MentionTask): Promise<void>;
  /** Waiting or running. */
  size(): number;
  /** Resolves once nothing is waiting or running (at once when that is already so). */
  idle(): Promise<void>;
  /** Stops taking tasks; resolves when every task has run (or the grace period is over). */
  drain(graceMs: number): Promise<void>;
}

interface Entry {
  task: MentionTask;
  attempt: number;
  dueAt: number;
  timer?: NodeJS.Timeout;
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const maxBacklog = options.maxBacklog ?? 1000;
  const baseDelay = options.baseDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 120_000;
  const maxAttempts = options.maxAttempts ?? 12;
  const concurrency = options.concurrency ?? 8;
  const waiting: Entry[] = [];
  const delayed = new Set<Entry>();
  let running = 0;
  let draining = false;
  const idlers = new Set<() => void>();

  const size = () => waiting.length + delayed.size + running;

  function pump(): void {
    while (running < concurrency && waiting.length > 0) {
      const entry = waiting.shift() as Entry;
      running++;
      void run(entry).finally(() => {
        running--;
        pump();
        if (size() === 0) for (const resolve of idlers) resolve();
      });
    }
  }

  async function run(entry: Entry): Promise<void> {
    try {
      await options.worker(entry.task, entry.attempt);
    } catch (error) {
      // RetryLater is GitLab being unavailable; anything else is a bug, which a retry may not fix, but a
      // mention is worth a few more attempts all the same.
      const reason =
        error instanceof RetryLater ? error.message : `internal error (${(error as Error).name})`;
      if (entry.attempt >= maxAttempts || draining) {
        options.log(
          JSON.stringify({
            ...levelFields("error"),
            msg: "mention task given up; the sweep will find it",
            projectId: entry.task.projectId,
            ...("kind" in entry.task ? { trigger: entry.task.triggerKey } : { noteId: entry.task.noteId }),
            attempt: entry.attempt,
            reason,
          }),
        );
        return;
      }
      schedule({ ...entry, attempt: entry.attempt + 1 });
    }
  }

  function schedule(entry: Entry): void {
    const wait = Math.min(maxDelay, baseDelay * 2 ** (entry.attempt - 2));
    entry.dueAt = Date.now() + wait;
    entry.timer = setTimeout(() => {
      delayed.delete(entry);
      waiting.push(entry);
      pump();
    }, wait);
    entry.timer.unref();
    delayed.add(entry);
  }

  return {
    add(task) {
      if (draining) return Promise.reject(new Error("shutting down"));
      if (size() >= maxBacklog) return Promise.reject(new Error(`backlog full (${maxBacklog} tasks)`));
      waiting.push({ task, attempt: 1, dueAt: Date.now() });
      // On the next turn: the delivery's answer is written first, and the task's calls start right after.
      setImmediate(pump);
      return Promise.resolve();
    },
    size,
    idle() {
      if (size() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          idlers.delete(done);
          resolve();
        };
        idlers.add(done);
      });
    },
    async drain(graceMs) {
      draining = true;
      // Back-offs are cut short: each delayed task gets its last attempt now.
      for (const entry of delayed) {
        clearTimeout(entry.timer);
        waiting.push(entry);
      }
      delayed.clear();
      pump();
      if (size() === 0) return;
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([this.idle(), grace]);
    },
  };
}
