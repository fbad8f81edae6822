// What GitLab accepts as a username, so a configured alias can be checked before it is ever matched.
// Mirrors Gitlab::PathRegex::NAMESPACE_FORMAT_REGEX: letters, digits, `_`, `-` and `.`; not starting with
// `-`; not ending with `.`, `.git` or `.atom`; at most 255 characters.

export const MAX_USERNAME_LENGTH = 255;

const USERNAME_FORMAT = /^(?:[A-Za-z0-9_.][A-Za-z0-9_.-]*[A-Za-z0-9_-]|[A-Za-z0-9_])$/;
const FORBIDDEN_SUFFIX = /\.(?:git|atom)$/i;

export function isValidGitLabUsername(name: string): boolean {
  return name.length <= MAX_USERNAME_LENGTH && USERNAME_FORMAT.test(name) && !FORBIDDEN_SUFFIX.test(name);
}
