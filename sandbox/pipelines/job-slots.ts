// How many jobs run at once, sandbox-wide: the machine the sandbox runs on is small (two cores), so pipelines
// run side by side but their jobs wait for a slot, first come first served, as on a runner with `concurrent: 2`.

export class JobSlots {
  private used = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(private readonly size: number) {}

  /** Resolves true once a slot is held, or false if `signal` aborts first (no slot is held then). */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(true);
        },
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(entry);
        if (index !== -1) this.waiting.splice(index, 1);
        resolve(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.used = Math.max(0, this.used - 1);
  }
}
