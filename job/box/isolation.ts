// What separation this runner offers the agent, found by trying it: a user of its own (the job runs as root
// and the box user exists) and namespaces (bubblewrap can make a user and PID namespace with a fresh /proc,
// as the box user when there is one). `agent-bridge run` boxes the agent with what there is and refuses to
// start it with neither, unless the project opts out by name; `agent-bridge doctor` prints the same lines.
//
//   const isolation = await probeIsolation({ env: process.env });
//   isolation.user;          // { name: "agent-box", uid: 10002, gid: 10002 } or null
//   isolation.namespaces;    // true when bwrap works here
//   isolation.notes;         // one line per mechanism: what is used, or why not and the fix
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { bwrapArgs } from "./bwrap-args.ts";
import { findOnPath } from "./find-on-path.ts";
import { closedFolderOn } from "./owner.ts";

/** The variable naming the agent's user; default DEFAULT_BOX_USER. */
export const BOX_USER_ENV = "AGENT_BRIDGE_BOX_USER";
export const DEFAULT_BOX_USER = "agent-box";
/**
 * The opt-out: run the agent without any box, in reach of what the job's user can read (its files, the
 * environment of the job's processes). Its name says what it gives up.
 */
export const UNBOXED_ENV = "AGENT_BRIDGE_UNBOXED_AGENT_CAN_READ_SECRETS";

export interface BoxUser {
  name: string;
  uid: number;
  gid: number;
}

export interface Isolation {
  /** The user the agent runs as; null when the job cannot switch to one. */
  user: BoxUser | null;
  /** Whether the agent runs in bubblewrap: user, PID, IPC and UTS namespaces, a fresh /proc. */
  namespaces: boolean;
  /** The bwrap executable found, when namespaces is true. */
  bwrap?: string;
  /** The setpriv executable, when namespaces is true and the job is root with a user for the agent. */
  setpriv?: string;
  /** One line per mechanism: what is used, or why not, with the fix. */
  notes: string[];
}

export interface ProbeOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Default process.getuid(). */
  uid?: number;
  /** Default /etc/passwd. */
  passwdFile?: string;
}

type Env = ProbeOptions["env"];

export async function probeIsolation(options: ProbeOptions): Promise<Isolation> {
  const notes: string[] = [];
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const name = options.env[BOX_USER_ENV]?.trim() || DEFAULT_BOX_USER;
  let user: BoxUser | null = null;
  if (uid !== 0) {
    notes.push(
      `user: no, the job runs as uid ${uid}, not root, so it cannot start the agent as another user`,
    );
  } else {
    user = lookupUser(name, options.passwdFile ?? "/etc/passwd");
    if (user === null) notes.push(`user: no, there is no user ${name} (useradd --system ${name})`);
    else if (user.uid === 0) {
      notes.push(`user: no, ${name} is uid 0 (root)`);
      user = null;
    } else notes.push(`user: ${name} (uid ${user.uid}, gid ${user.gid})`);
  }

  const bwrap = findOnPath("bwrap", options.env["PATH"]);
  let setpriv = user !== null ? findOnPath("setpriv", options.env["PATH"]) : undefined;
  let namespaces = false;
  if (bwrap === undefined) {
    notes.push("namespaces: no, bwrap is not installed (apt-get install -y bubblewrap; apk add bubblewrap)");
  } else {
    // As root: bwrap makes the namespaces with root's privilege and setpriv drops to the user inside; where
    // root lacks it (a container without CAP_SYS_ADMIN), bwrap started as the user, in a user namespace.
    let why =
      user !== null && setpriv !== undefined
        ? await tryBwrap(bwrap, { dropTo: { user, setpriv } })
        : "setpriv is not installed (apt-get install -y util-linux; apk add setpriv)";
    if (why !== null) {
      setpriv = undefined;
      why = await tryBwrap(bwrap, user !== null ? { asUser: user } : {});
    }
    namespaces = why === null;
    notes.push(
      namespaces
        ? `namespaces: bwrap with its own PID, IPC, UTS and mount namespaces and /proc${user ? (setpriv ? `, setpriv to ${user.name}` : `, started as ${user.name}`) : ""}`
        : `namespaces: no, bwrap cannot make them here (${why}); the runner has to allow unprivileged user namespaces`,
    );
  }
  return {
    user,
    namespaces,
    ...(namespaces && bwrap !== undefined ? { bwrap } : {}),
    ...(namespaces && setpriv !== undefined ? { setpriv } : {}),
    notes,
  };
}

/**
 * A user of its own without namespaces works only where that user can reach the working tree: otherwise
 * (a parent folder closed to it) the isolation has no user, with why.
 */
export function forWorkdir(isolation: Isolation, workdir: string): Isolation {
  if (isolation.user === null || isolation.namespaces) return isolation;
  const closed = closedFolderOn(workdir, isolation.user);
  if (closed === undefined) return isolation;
  return {
    ...isolation,
    user: null,
    notes: [
      ...isolation.notes.filter((note) => !note.startsWith("user:")),
      `user: no, ${isolation.user.name} cannot reach the working tree (${closed} is closed to it)`,
    ],
  };
}

/** Neither a user nor namespaces: why the agent is not started, and the ways out. */
export function isolationRefusal(isolation: Isolation, env: Env): string | undefined {
  if (isolation.user !== null || isolation.namespaces) return undefined;
  if (unboxedAllowed(env)) return undefined;
  return (
    `the agent was not started: this runner offers no way to keep it from the job's secrets (${isolation.notes.join("; ")}). ` +
    `Run the job as root in an image with the user ${DEFAULT_BOX_USER} (the agent-bridge images have it), or on a runner where ` +
    `bubblewrap can make user namespaces; or set ${UNBOXED_ENV}=true to run the agent anyway, able to read what the job can.`
  );
}

export function unboxedAllowed(env: Env): boolean {
  return env[UNBOXED_ENV]?.trim().toLowerCase() === "true";
}

/** One line for the log and doctor. */
export function describeIsolation(isolation: Isolation): string {
  if (isolation.user && isolation.namespaces) return `user ${isolation.user.name} in bubblewrap namespaces`;
  if (isolation.user) return `user ${isolation.user.name}, no namespaces`;
  if (isolation.namespaces) return "bubblewrap namespaces, as the job's user";
  return "none";
}

function lookupUser(name: string, passwdFile: string): BoxUser | null {
  let text: string;
  try {
    text = readFileSync(passwdFile, "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const [login, , uid, gid] = line.split(":");
    if (login === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  return null;
}

/** null when bwrap made the box (as the agent's box is made) and ran `true` in it, else what it said. */
function tryBwrap(
  bwrap: string,
  how: { dropTo?: { user: BoxUser; setpriv: string }; asUser?: BoxUser },
): Promise<string | null> {
  const layout = {
    workdir: tmpdir(),
    writable: [],
    readOnly: [],
    ...(how.dropTo ? { dropTo: how.dropTo } : {}),
  };
  return new Promise((resolve) => {
    const child = spawn(bwrap, bwrapArgs(layout, "true", []), {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: "/usr/bin:/bin" },
      ...(how.asUser ? { uid: how.asUser.uid, gid: how.asUser.gid } : {}),
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? null : stderr.trim().split("\n").at(-1) || `exit code ${code}`);
    });
  });
}
