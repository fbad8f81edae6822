// Ownership moves for the agent's own user: the working tree is handed to that user for the run (the agent
// writes it) and back to its owner afterwards, and whatever that user still runs when the agent is done is
// killed. Symlinks are never followed: a link the agent planted changes only itself (lchown), and no folder
// behind a link is walked.
import { lchownSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

export interface Owner {
  uid: number;
  gid: number;
}

export function ownerOf(path: string): Owner {
  const stat = lstatSync(path);
  return { uid: stat.uid, gid: stat.gid };
}

/** lchown of `root` and everything under it; returns how many entries were changed. */
export function chownTree(root: string, owner: Owner): number {
  let count = 0;
  const walk = (path: string, isDir: boolean): void => {
    lchownSync(path, owner.uid, owner.gid);
    count++;
    if (!isDir) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      walk(join(path, entry.name), entry.isDirectory());
    }
  };
  const stat = lstatSync(root);
  walk(root, stat.isDirectory());
  return count;
}

/**
 * SIGKILLs every process of this PID namespace whose real uid is `uid` (Linux /proc); returns how many. Never
 * this process. Only the box without namespaces calls this, on a runner where they cannot be made, so the
 * agent's processes are all in this PID namespace; a process of that user in a namespace of its own is
 * another box's (bubblewrap's), and is left to that box.
 */
export function killProcessesOf(uid: number): number {
  let entries: string[];
  let ownNamespace: string;
  try {
    entries = readdirSync("/proc");
    ownNamespace = readlinkSync("/proc/self/ns/pid");
  } catch {
    return 0;
  }
  let killed = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) !== ownNamespace) continue;
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (real !== undefined && Number(real) === uid) {
        process.kill(Number(entry), "SIGKILL");
        killed++;
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}

/**
 * The first folder on the way to `path` (itself included) that `owner` may not enter (no x bit for it by
 * owner, group or others), or undefined. Supplementary groups are not counted: the agent's user has none.
 */
export function closedFolderOn(path: string, owner: Owner): string | undefined {
  const chain: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of chain) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      return dir;
    }
    const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return dir;
  }
  return undefined;
}
