// The bubblewrap command line of the agent's box: its own user, PID, IPC and UTS namespaces, a fresh /proc
// (no process of the job in it), a minimal /dev, an empty /tmp, the system's programs and libraries
// read-only, the toolchain the caller names read-only, the box's own folder (HOME, TMPDIR) and the working
// tree read-write, and nothing else: no /root, /home, /builds beside the tree, no run directory of the job.
//
// As root, bwrap makes the namespaces itself and `setpriv` inside drops to the agent's user (bwrap's own
// --uid needs a user namespace, whose uid 0 would still own the job's files outside). As any other user,
// bwrap runs unprivileged in a user namespace of its own.
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import type { BoxUser } from "./isolation.ts";

/** The namespaces of an unprivileged box; a root box has the same less --unshare-user. */
export const NAMESPACE_FLAGS = [
  "--unshare-user",
  "--unshare-pid",
  "--unshare-ipc",
  "--unshare-uts",
  "--unshare-cgroup-try",
  "--die-with-parent",
];

/** System folders shown read-only (a symlink, as on merged-/usr systems, stays a symlink). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"];
/** Files of /etc that only root reads: blanked, since a root box without a user of its own is still uid 0. */
const BLANKED = ["/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-"];

export interface BoxLayout {
  /** The working tree: read-write, and where the command starts. */
  workdir: string;
  /** Read-write: the box's own folder (HOME, TMPDIR). */
  writable: string[];
  /** Read-only: the toolchain outside the system folders (the CLI, node, agent-bridge, PATH folders). */
  readOnly: string[];
  /** When the job is root: the user setpriv drops to inside the box, and the setpriv executable. */
  dropTo?: { user: BoxUser; setpriv: string };
}

export function bwrapArgs(layout: BoxLayout, command: string, args: readonly string[]): string[] {
  const out = layout.dropTo
    ? // bwrap as root keeps no capability but these two, which setpriv uses and then drops.
      [
        ...NAMESPACE_FLAGS.filter((flag) => flag !== "--unshare-user"),
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
      ]
    : [...NAMESPACE_FLAGS];
  for (const dir of SYSTEM_DIRS) {
    const kind = kindOf(dir);
    if (kind === "link") out.push("--symlink", readlinkSync(dir), dir);
    else if (kind === "dir") out.push("--ro-bind", dir, dir);
  }
  for (const file of BLANKED) if (kindOf(file) === "file") out.push("--ro-bind", "/dev/null", file);
  const resolv = resolvConfTarget();
  if (resolv !== undefined) out.push("--ro-bind", resolv, resolv);
  out.push("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp");
  const readOnly = outermost(layout.readOnly.filter((dir) => !underSystem(dir)));
  // bwrap makes a mount point's missing parents with the modes of the real ones, which may be closed to
  // the agent's user (a 0700 temp dir): they are made open first, empty as they are.
  for (const dir of parentsOf([...readOnly, ...layout.writable, layout.workdir])) {
    out.push("--perms", "0755", "--dir", dir);
  }
  for (const dir of readOnly) out.push("--ro-bind", dir, dir);
  for (const dir of layout.writable) out.push("--bind", dir, dir);
  out.push("--bind", layout.workdir, layout.workdir, "--chdir", layout.workdir, "--");
  if (layout.dropTo) {
    const { user, setpriv } = layout.dropTo;
    out.push(
      setpriv,
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
    );
  }
  out.push(command, ...args);
  return out;
}

function kindOf(path: string): "link" | "dir" | "file" | null {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? "link" : stat.isDirectory() ? "dir" : "file";
  } catch {
    return null;
  }
}

/** Where /etc/resolv.conf points when that is outside /etc (systemd-resolved: /run/systemd/resolve). */
function resolvConfTarget(): string | undefined {
  try {
    if (kindOf("/etc/resolv.conf") !== "link") return undefined;
    const dir = dirname(realpathSync("/etc/resolv.conf"));
    return underSystem(dir) ? undefined : dir;
  } catch {
    return undefined;
  }
}

function underSystem(path: string): boolean {
  return SYSTEM_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`));
}

/** The folders above the mount points, parents first, each once: not /, /tmp, a system folder or a mount point. */
function parentsOf(targets: readonly string[]): string[] {
  const parents: string[] = [];
  for (const target of targets) {
    const chain: string[] = [];
    for (let dir = dirname(target); dir !== "/" && dir !== "."; dir = dirname(dir)) chain.unshift(dir);
    for (const dir of chain) {
      if (dir === "/tmp" || underSystem(dir) || targets.includes(dir) || parents.includes(dir)) continue;
      parents.push(dir);
    }
  }
  return parents;
}

/** The folders not inside another one of the list, each once, parents first. */
function outermost(dirs: readonly string[]): string[] {
  const sorted = [...new Set(dirs)].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const dir of sorted) if (!kept.some((top) => dir === top || dir.startsWith(`${top}/`))) kept.push(dir);
  return kept;
}
