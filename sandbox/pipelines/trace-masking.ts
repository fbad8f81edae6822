// Masked variables never reach a stored trace: like GitLab's runner, every occurrence of a masked value becomes
// `[MASKED]`. Output arrives in arbitrary chunks, so a chunk's tail that could be the start of a secret is held
// back until the next chunk (or the end) decides it.

export const MASK = "[MASKED]";

export class TraceMasker {
  private readonly secrets: string[];
  private pending = "";

  constructor(secrets: Iterable<string>) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set([...secrets].filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  }

  /** Masks what can be decided now and returns it; the undecided tail waits for more output. */
  push(chunk: string): string {
    if (this.secrets.length === 0) return chunk;
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
    let i = 0;
    scan: while (i < text.length) {
      for (const secret of this.secrets) {
        if (text.startsWith(secret, i)) {
          out += MASK;
          i += secret.length;
          continue scan;
        }
      }
      if (!final) {
        const rest = text.length - i;
        const partial = this.secrets.some((s) => s.length > rest && s.startsWith(text.slice(i)));
        if (partial) break;
      }
      out += text[i];
      i++;
    }
    this.pending = text.slice(i);
    return out;
  }
}
