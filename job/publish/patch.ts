// The answer for a merge request the job may not push to (a fork's, or one whose source branch is protected):
// the staged changes as a unified diff that `git apply` takes, redacted, and cut to a size a note can hold.
import type { Redact } from "../contracts.ts";
import type { Git } from "../git.ts";

export const DEFAULT_MAX_PATCH_CHARS = 60_000;

export async function stagedPatch(
  git: Git,
  input: { base: string; redact: Redact; maxChars?: number; fileCount: number },
): Promise<string> {
  const diff = await git.out(
    ["diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv", "-M", input.base, "--"],
    { maxBuffer: 512 * 1024 * 1024 },
  );
  // Redacted before it is cut, so a cut can never leave half a secret that the redactor no longer knows.
  return capPatch(input.redact(diff), input.maxChars ?? DEFAULT_MAX_PATCH_CHARS, input.fileCount);
}

/** The patch cut at a line boundary below `maxChars`, with a last line saying how much was left out. */
export function capPatch(patch: string, maxChars: number, fileCount: number): string {
  const text = patch.endsWith("\n") ? patch : `${patch}\n`;
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf("\n", Math.max(0, maxChars - 1));
  const kept = cut <= 0 ? "" : text.slice(0, cut + 1);
  const files = `${fileCount} file${fileCount === 1 ? "" : "s"} changed`;
  return `${kept}# … patch truncated: ${kept.length} of ${text.length} characters shown (${files}); it does not apply as it is.\n`;
}
