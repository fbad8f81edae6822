// The environment an agent CLI starts with. Never the job's environment: a CI job holds GITLAB_TOKEN,
// CI_JOB_TOKEN, registry passwords and whatever else the project stores as variables, and the agent runs
// commands a model chose. So the CLI gets a small allowlist of the host's variables (what a program needs to
// run and to reach the model API), plus the model credentials the caller hands over, plus its own switches.

/** Host variables a CLI needs to run, find programs, and reach the model API through a proxy. */
const HOST_ALLOWLIST = [
  "PATH",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "SHELL",
  "USER",
  "LOGNAME",
  // Corporate networks: the model API may only be reachable through a proxy or with a private CA.
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
];

/**
 * Credentials of GitLab and the CI system that must never reach an agent, even if a caller passed them by
 * mistake in the model environment. The model environment is otherwise trusted as given.
 */
const NEVER_PASSED =
  /^(GITLAB_TOKEN|CI_JOB_TOKEN|CI_JOB_JWT(_V\d+)?|CI_REGISTRY_PASSWORD|CI_DEPLOY_PASSWORD|CI_SERVER_TLS_.*|AGENT_BRIDGE_.*|TRIGGER_PAYLOAD)$/;

export type HostEnv = Readonly<Record<string, string | undefined>>;

/** How the CLI process is started: its command line, folder and environment, and the user it runs as. */
export interface AgentLaunch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

/** Puts the CLI in a box (job/box/agent-box.ts): called once its HOME is written, just before it starts. */
export interface ProcessBox {
  /** Whether the CLI runs in namespaces of its own (a PID namespace and /proc of the box). */
  readonly namespaces: boolean;
  launch(plain: AgentLaunch): Promise<AgentLaunch>;
}

/** How either CLI is started and stopped. */
export interface CliRunnerOptions {
  /** The agent's box; none runs the CLI as the job's user, in the job's namespaces. */
  box?: ProcessBox;
  /** The executable; default "claude" or "codex", looked up on the PATH the CLI gets. */
  bin?: string;
  /** Where PATH, LANG, TMPDIR and proxy settings come from; default process.env. Nothing else is taken. */
  hostEnv?: HostEnv;
  /** SIGTERM → SIGKILL grace at the deadline; default 5000 ms. */
  killGraceMs?: number;
  /** How long the CLI may take to exit once its result came before it is stopped; default 10 000 ms. */
  exitGraceMs?: number;
  now?: () => number;
}

/** The allowlisted host variables that are set. */
export function hostBaseEnv(host: HostEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of HOST_ALLOWLIST) {
    const value = host[name];
    if (value !== undefined && value !== "") env[name] = value;
  }
  env["PATH"] ??= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return env;
}

/** The caller's model environment less anything that is a GitLab or CI credential. */
export function modelEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (!NEVER_PASSED.test(name)) out[name] = value;
  return out;
}
