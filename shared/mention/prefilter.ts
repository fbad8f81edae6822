// The hot path: almost every note mentions no assistant. Before any markdown is looked at, a note must
// contain "@" followed by one of the handles, in any letter case; otherwise it cannot mention anyone.

export function mayMention(note: string, handles: Iterable<string>): boolean {
  if (!note.includes("@")) return false;
  // Lowercasing may change non-ASCII text, but never an ASCII "@handle": this can only let more notes through
  // to the full scan, never fewer.
  const lower = note.toLowerCase();
  for (const handle of handles) {
    if (lower.includes(`@${handle}`)) return true;
  }
  return false;
}
