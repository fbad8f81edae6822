// The services a sandbox instance is made of, handed to every route: state, git repositories, webhook
// delivery, the pipeline runner, and the knobs of the control API.
import type { RepoStore } from "./git/repo-store.ts";
import type { HookDispatcher } from "./hooks/hook-dispatcher.ts";
import type { PipelineService } from "./pipelines/pipeline-service.ts";
import type { FaultInjector } from "./control/faults.ts";
import type { SandboxState } from "./state/store.ts";

export interface SandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Added to every API answer, to make round trips count as they would over a network. */
  latencyMs?: number;
  /** Largest request body accepted, in bytes (GitLab's default API limit is far larger; tests need a bound). */
  maxBodyBytes?: number;
  /** How long a webhook delivery may take before it counts as failed (GitLab.com: 10 s). */
  hookTimeoutMs?: number;
  /**
   * The clock webhook auto-disabling is measured on (epoch ms; default Date.now), so tests can let a
   * temporarily disabled hook's back-off pass. GitLab never redelivers a failed delivery: there is no retry knob.
   */
  hookClock?: () => number;
  /** Default job timeout in seconds when neither the job nor the project sets one (GitLab: 3600). */
  jobTimeoutSeconds?: number;
  /** A fixed admin token (else a random one). */
  adminToken?: string;
  /** Run created pipelines (default true). Tests of the API alone can turn it off. */
  runPipelines?: boolean;
}

export interface SandboxServices {
  state: SandboxState;
  repos: RepoStore;
  hooks: HookDispatcher;
  pipelines: PipelineService;
  faults: FaultInjector;
  /** http://127.0.0.1:PORT, known once listening. */
  baseUrl: string;
  adminToken: string;
  options: Required<Omit<SandboxOptions, "adminToken" | "port" | "host" | "hookClock">>;
  workDir: string;
}
