// The server-side hooks every sandbox repository carries. serveGitHttp drives them through the environment
// (hooks inherit git http-backend's), so pushes made any other way run them as no-ops.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Branch patterns (one a line, see protected-branches.ts) this push may not touch at all. */
export const PROTECTED_BRANCHES_ENV = "SANDBOX_PROTECTED_BRANCHES";
/** Branch patterns this push may update, but only by fast-forward and never delete. */
export const NO_FORCE_PUSH_BRANCHES_ENV = "SANDBOX_NO_FORCE_PUSH_BRANCHES";
/** File the post-receive hook appends "<old> <new> <ref>" lines to. */
export const PUSH_LOG_ENV = "SANDBOX_PUSH_LOG";

// GitLab's checks and wording (Gitlab::Checks::BranchCheck); the first refused ref stops the push. `set -f` so
// that a pattern like "release/*" is only ever a `case` pattern, never a file glob.
const preReceive = `#!/bin/sh
# Sandbox GitLab: protected branches. See sandbox/git/hooks.ts.
protected_patterns=$${PROTECTED_BRANCHES_ENV}
no_force_patterns=$${NO_FORCE_PUSH_BRANCHES_ENV}
[ -n "$protected_patterns$no_force_patterns" ] || exit 0
set -f
newline='
'
matches() {
  saved_ifs=$IFS
  IFS=$newline
  for pattern in $2; do
    case "$1" in
      $pattern) IFS=$saved_ifs; return 0 ;;
    esac
  done
  IFS=$saved_ifs
  return 1
}
is_zero() {
  case "$1" in
    *[!0]*) return 1 ;;
  esac
  return 0
}
while read -r old new ref; do
  case "$ref" in
    refs/heads/*) branch=\${ref#refs/heads/} ;;
    *) continue ;;
  esac
  message=
  if matches "$branch" "$protected_patterns"; then
    if is_zero "$new"; then
      message="You can only delete protected branches using the web interface."
    elif is_zero "$old"; then
      message="You are not allowed to create protected branches on this project."
    else
      message="You are not allowed to push code to protected branches on this project."
    fi
  elif matches "$branch" "$no_force_patterns" && ! is_zero "$old"; then
    if is_zero "$new"; then
      message="You can only delete protected branches using the web interface."
    elif ! git merge-base --is-ancestor "$old" "$new"; then
      message="You are not allowed to force push code to a protected branch on this project."
    fi
  fi
  if [ -n "$message" ]; then
    echo "GitLab: $message" >&2
    exit 1
  fi
done
exit 0
`;

const postReceive = `#!/bin/sh
# Sandbox GitLab: tell serveGitHttp which refs this push changed. See sandbox/git/hooks.ts.
[ -n "$${PUSH_LOG_ENV}" ] || exit 0
cat >> "$${PUSH_LOG_ENV}"
`;

/** Writes (or rewrites) the hooks into a bare repository. */
export async function installHooks(gitDir: string): Promise<void> {
  const dir = join(gitDir, "hooks");
  await mkdir(dir, { recursive: true });
  const hooks: Array<[string, string]> = [
    ["pre-receive", preReceive],
    ["post-receive", postReceive],
  ];
  await Promise.all(
    hooks.map(async ([name, text]) => {
      const file = join(dir, name);
      await writeFile(file, text, { mode: 0o755 });
      // writeFile's mode only applies when it creates the file, and the umask may have trimmed it.
      await chmod(file, 0o755);
    }),
  );
}
