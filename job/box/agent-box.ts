// The agent's box for one run: a fresh folder of its own (HOME, TMPDIR, the conversation's images), the
// working tree handed to the agent's user, and the CLI started as that user and, where the runner allows,
// in bubblewrap (bwrap-args.ts), seeing only the tree, the toolchain and its own folder. close() kills what
// the agent's user left running, gives the tree back to its owner and removes the folder.
//
//   const box = await openAgentBox({ isolation, workdir, images, toolchain: [mcpServerPath] });
//   try { await runner.run({ ...options, homeDir: box.homeDir, images: box.images, box }); }
//   finally { await box.close(); }
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { existsSync, realpathSync } from "node:fs";
import { delimiter } from "node:path";
import type { AgentLaunch, ProcessBox } from "../agents/agent-env.ts";
import { bwrapArgs } from "./bwrap-args.ts";
import { findOnPath } from "./find-on-path.ts";
import type { Isolation } from "./isolation.ts";
import { chownTree, closedFolderOn, killProcessesOf, ownerOf, type Owner } from "./owner.ts";

export interface AgentBoxOptions {
  isolation: Isolation;
  workdir: string;
  /** Files the agent is given to read (the conversation's images): copied into the box. */
  images: readonly string[];
  /** Paths of programs the CLI runs outside the system folders (the MCP server's entry): read-only. */
  toolchain: readonly string[];
  /** Where the box's folder is made; default the OS temp dir. */
  tempDir?: string;
}

export interface AgentBox extends ProcessBox {
  /** The agent's HOME: empty, its own. */
  homeDir: string;
  /** The images, where the agent can read them. */
  images: string[];
  close(): Promise<void>;
}

export async function openAgentBox(options: AgentBoxOptions): Promise<AgentBox> {
  const { isolation, workdir } = options;
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), "agent-bridge-box-"));
  const homeDir = join(dir, "home");
  const tmp = join(dir, "tmp");
  await mkdir(homeDir);
  await mkdir(tmp);
  const images: string[] = [];
  if (options.images.length > 0) {
    await mkdir(join(dir, "images"));
    for (const [index, image] of options.images.entries()) {
      const copy = join(dir, "images", `${index + 1}-${basename(image)}`);
      await copyFile(image, copy);
      images.push(copy);
    }
  }
  const user = isolation.user;
  const treeOwner: Owner | undefined = user ? ownerOf(workdir) : undefined;
  if (user) chownTree(workdir, user);

  const namespaces = isolation.namespaces && isolation.bwrap !== undefined;
  let closed: Promise<void> | undefined;
  return {
    homeDir,
    images,
    namespaces,
    launch: async (plain) => {
      // The runner wrote the CLI's config under HOME as the job's user: the agent's user gets it.
      if (user) chownTree(dir, user);
      const given = plain.env["TMPDIR"];
      const env: Record<string, string> = {
        ...plain.env,
        TMPDIR: given !== undefined && underDir(given, dir) ? given : tmp,
      };
      const boxed: AgentLaunch = { ...plain, env };
      if (namespaces && isolation.bwrap !== undefined) {
        const dropTo = user && isolation.setpriv ? { user, setpriv: isolation.setpriv } : undefined;
        boxed.command = isolation.bwrap;
        boxed.args = bwrapArgs(
          {
            workdir: plain.cwd,
            writable: [dir],
            // bwrap started as the agent's user mounts only what that user can reach.
            readOnly: toolchainDirs(plain.command, env["PATH"], options.toolchain, [dir, workdir]).filter(
              (path) => dropTo || !user || closedFolderOn(path, user) === undefined,
            ),
            ...(dropTo ? { dropTo } : {}),
          },
          plain.command,
          plain.args,
        );
        // Without setpriv, bwrap starts as the agent's user (in a user namespace of its own).
        if (!dropTo && user) Object.assign(boxed, { uid: user.uid, gid: user.gid });
      } else if (user) Object.assign(boxed, { uid: user.uid, gid: user.gid });
      return boxed;
    },
    close: () =>
      (closed ??= (async () => {
        if (user) {
          // In namespaces, the box's processes died with its PID namespace. Without, whatever the agent's
          // user left running (a daemon that escaped the CLI's session) would go on writing the tree.
          if (!namespaces) killProcessesOf(user.uid);
          if (treeOwner) chownTree(workdir, treeOwner);
        }
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/**
 * The folders the CLI needs read-only besides the system ones: the package that holds its executable, node's
 * install, the package of each toolchain path, and the PATH folders. Never a folder inside the box's own
 * folders or the tree (those are mounted read-write).
 */
function toolchainDirs(
  command: string,
  path: string | undefined,
  toolchain: readonly string[],
  exclude: readonly string[],
): string[] {
  const dirs: string[] = [];
  const cli = findOnPath(command, path);
  for (const file of [cli, process.execPath, ...toolchain]) {
    if (file === undefined || !isAbsolute(file) || !existsSync(file)) continue;
    dirs.push(packageRoot(file), packageRoot(realpathSync(file)));
  }
  dirs.push(dirname(dirname(realpathSync(process.execPath))));
  for (const entry of (path ?? "").split(delimiter)) {
    // A node_modules/.bin folder holds links into its packages: the package above it goes along.
    if (entry !== "" && isAbsolute(entry) && existsSync(entry))
      dirs.push(packageRoot(join(realpathSync(entry), "-")));
  }
  return [...new Set(dirs)].filter(
    (dir) => dir !== "/" && !exclude.some((top) => underDir(dir, top) || underDir(top, dir)),
  );
}

/** The outermost folder above `file` that holds a package.json (a package and its node_modules), else its folder. */
function packageRoot(file: string): string {
  let found = dirname(file);
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) found = dir;
  }
  return found;
}

function underDir(path: string | undefined, dir: string): boolean {
  return path !== undefined && (path === dir || path.startsWith(`${dir}/`));
}
