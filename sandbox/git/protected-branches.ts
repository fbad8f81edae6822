// GitLab's protected-branch names: an exact name, or a pattern where `*` stands for any run of characters
// (slashes included), e.g. "release/*". The pre-receive hook applies the same rule with sh's `case`.

/**
 * Patterns that can match anything. Branch names may not contain `?`, `[` or `\` (git check-ref-format), so a
 * pattern holding one never matches in GitLab; dropping them keeps sh's glob syntax from giving them a meaning.
 */
export function usablePatterns(patterns: readonly string[]): string[] {
  return patterns.filter((p) => p.length > 0 && !/[?[\\\n]/.test(p));
}

export function isProtectedBranch(branch: string, patterns: readonly string[]): boolean {
  return usablePatterns(patterns).some((pattern) => {
    if (!pattern.includes("*")) return pattern === branch;
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.+^${}()|\]\\/-]/g, "\\$&"))
      .join(".*");
    return new RegExp(`^${source}$`, "s").test(branch);
  });
}
