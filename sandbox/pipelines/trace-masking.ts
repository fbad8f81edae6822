// Masked variables never reach a stored trace: like GitLab's runner, every occurrence of a masked value becomes
// `[MASKED]`. Output arrives in arbitrary chunks, so a chunk's tail that could be the start of a secret is held
// back until the next chunk (or the end) decides it.

export const MASK = "[MASKED]";

export class TraceMasker {
  private readonly secrets: string[];
  private readonly pattern: RegExp | null;
  private readonly longest: number;
  private pending = "";

  constructor(secrets: Iterable<string>) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set([...secrets].filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
    this.longest = this.secrets[0]?.length ?? 0;
    this.pattern =
      this.secrets.length === 0
        ? null
        : new RegExp(this.secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  }

  /** Masks what can be decided now and returns it; the undecided tail waits for more output. */
  push(chunk: string): string {
    if (!this.pattern) return chunk;
    this.pending += chunk;
    return this.drain(false);
  }

  /** Everything still held back, masked. */
  flush(): string {
    return this.drain(true);
  }

  private drain(final: boolean): string {
    const text = this.pending;
    let out = "";
    let last = 0;
    if (this.pattern) {
      for (const match of text.matchAll(this.pattern)) {
        out += text.slice(last, match.index) + MASK;
        last = match.index + match[0].length;
      }
    }
    let keepFrom = text.length;
    if (!final) {
      for (let i = Math.max(last, text.length - this.longest + 1); i < text.length; i++) {
        const tail = text.slice(i);
        if (this.secrets.some((s) => s.startsWith(tail))) {
          keepFrom = i;
          break;
        }
      }
    }
    out += text.slice(last, keepFrom);
    this.pending = text.slice(keepFrom);
    return out;
  }
}
