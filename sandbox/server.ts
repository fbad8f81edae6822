// The sandbox: a local GitLab for tests, demos, and people trying agent-bridge before their real GitLab.
// It speaks GitLab's REST v4 (the subset in api/), git over HTTP, delivers webhooks and runs pipelines with
// a shell runner. State is in memory; repositories live in a temporary directory removed on close.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerApiRoutes } from "./api/index.ts";
import { CONTROL_PREFIX, dispatchControl } from "./control/control-api.ts";
import { FaultInjector } from "./control/faults.ts";
import { RepoStore } from "./git/repo-store.ts";
import { handleGitRequest, matchGitPath } from "./git-route.ts";
import { HookDispatcher } from "./hooks/hook-dispatcher.ts";
import { API_PREFIX, createApiRouter, dispatchApi, send } from "./http/api-dispatch.ts";
import { serveOidcDiscovery } from "./pipelines/oidc-routes.ts";
import { serveWebPipeline } from "./pipelines/web-pipelines.ts";
import { createPipelineService } from "./pipelines/pipeline-service.ts";
import { serveUpload } from "./api/uploads.ts";
import type { SandboxOptions, SandboxServices } from "./services.ts";
import { newSecret, now, SandboxState } from "./state/store.ts";

export type { SandboxOptions } from "./services.ts";

export interface Sandbox {
  url: string;
  adminToken: string;
  services: SandboxServices;
  /** Waits until queued webhook deliveries and running pipelines are done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const workDir = await mkdtemp(join(tmpdir(), "agent-bridge-sandbox-"));
  const state = new SandboxState();
  const adminToken = options.adminToken ?? newSecret("glpat-admin-");
  const resolved = {
    latencyMs: options.latencyMs ?? 0,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    hookTimeoutMs: options.hookTimeoutMs ?? 10_000,
    jobTimeoutSeconds: options.jobTimeoutSeconds ?? 3600,
    runPipelines: options.runPipelines ?? true,
  };
  let baseUrl = "";
  const repos = new RepoStore(join(workDir, "repos"));
  const faults = new FaultInjector(resolved.latencyMs);
  const hooks = new HookDispatcher({
    state,
    instanceUrl: () => baseUrl,
    timeoutMs: resolved.hookTimeoutMs,
    clock: options.hookClock ?? Date.now,
  });
  const sb: SandboxServices = {
    state,
    repos,
    hooks,
    faults,
    pipelines: undefined as never,
    get baseUrl() {
      return baseUrl;
    },
    adminToken,
    options: resolved,
    workDir,
  };
  sb.pipelines = createPipelineService(sb);
  seedAdmin(state, adminToken);

  const router = createApiRouter([registerApiRoutes]);
  const idle = async (): Promise<void> => {
    // A pipeline's job can post notes that fire hooks, and a hook can create pipelines: settle both.
    for (let i = 0; i < 50; i++) {
      await hooks.idle();
      await sb.pipelines.idle();
      if (!sb.pipelines.busy() && !hooks.busy()) return;
    }
  };
  const control = {
    idle,
    reset: async () => {
      await sb.pipelines.cancelAll();
      await hooks.idle();
      state.clear();
      faults.clear();
      faults.latencyMs = resolved.latencyMs;
      await repos.removeAll();
      seedAdmin(state, adminToken);
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error(`sandbox: ${error instanceof Error ? error.stack : String(error)}`);
      send(res, { status: 500, body: { message: "500 Internal Server Error" } });
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", baseUrl);
    if (url.pathname.startsWith(`${API_PREFIX}/`)) return dispatchApi(sb, router, req, res, url);
    if (url.pathname.startsWith(CONTROL_PREFIX)) return dispatchControl(sb, control, req, res, url);
    const git = matchGitPath(url.pathname);
    if (git) return handleGitRequest(sb, req, res, url, git);
    if (await serveUpload(sb, req, res, url)) return;
    if (await serveOidcDiscovery(sb, req, res, url)) return;
    if (await serveWebPipeline(sb, req, res, url)) return;
    req.resume();
    send(res, { status: 404, body: { message: "404 Not Found" } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.address}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    adminToken,
    services: sb,
    idle,
    close: () =>
      (closing ??= (async () => {
        hooks.close();
        await sb.pipelines.cancelAll();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(workDir, { recursive: true, force: true });
      })()),
  };
}

function seedAdmin(state: SandboxState, adminToken: string): void {
  const admin = {
    id: state.nextId("user"),
    username: "root",
    name: "Administrator",
    email: "admin@sandbox.invalid",
    admin: true,
    bot: false,
    created_at: now(),
  };
  state.users.set(admin.id, admin);
  state.tokens.set(adminToken, {
    id: state.nextId("token"),
    userId: admin.id,
    name: "sandbox-admin",
    token: adminToken,
    scopes: ["api", "sudo", "admin_mode", "read_repository", "write_repository"],
    expires_at: null,
    created_at: now(),
    revoked: false,
  });
}
