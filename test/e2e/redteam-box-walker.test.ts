// Red team, the widest probe: the real Claude Code and Codex CLIs, boxed as `agent-bridge run` boxes them,
// each told by a scripted attacker model to run a walker that reads everything it can (every process's
// environ, cmdline and status, every file outside the system folders, with size caps) into a file of the
// working tree. This process plays the job: the bot token and CI_JOB_TOKEN in its environment, the model key
// in its model proxy, an ID token in its run directory, the job token in the checkout's config as GitLab's
// runner leaves it (then removed by the job's own step). None of them may appear, in any encoding, in what
// the walker found or in anything the CLI sent its model. The same walker run as the job finds them: the
// probe can fail.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import type { ProcessBox } from "../../job/agents/agent-env.ts";
import { createClaudeRunner } from "../../job/agents/claude-runner.ts";
import { createCodexRunner } from "../../job/agents/codex-runner.ts";
import { openAgentBox } from "../../job/box/agent-box.ts";
import { probeIsolation } from "../../job/box/isolation.ts";
import { DUMMY_MODEL_KEY, startModelProxy, type ModelProxy } from "../../job/box/model-proxy.ts";
import type { AgentRunner, AgentRunOptions, AgentRunResult } from "../../job/contracts.ts";
import { createGit } from "../../job/git.ts";
import { startToolBridge, type ToolBridge } from "../../job/mcp/tool-bridge.ts";
import { removeCheckoutCredentials } from "../../job/workspace/checkout-credentials.ts";
import { startAnthropicModelServer } from "../../sandbox/models/anthropic-server.ts";
import {
  claudeBin,
  claudeScriptedModel,
  codexBin,
  codexScriptedModel,
} from "../../sandbox/models/cli-env.ts";
import type { ModelServer } from "../../sandbox/models/model-server.ts";
import { startOpenAIModelServer } from "../../sandbox/models/openai-server.ts";
import type { Turn } from "../../sandbox/models/script.ts";
import { git, tempDir, tempGitRepo, type TempDir } from "../sandbox/models/temp-git-repo.ts";
import { encodedForms, WALKER_SOURCE } from "./support/walker.ts";
import { cloudModelGateway, type CloudGateway } from "../../job/cloud/model-credentials.ts";
import { issuer, mintIdToken } from "../unit/cloud/support/gitlab-id-token.ts";
import { startGoogleStandIn, type GoogleStandIn } from "../unit/cloud/support/google-sts-stand-in.ts";
import { checkSigV4 } from "../unit/cloud/support/sigv4-check.ts";
import { startStsStandIn, type StsStandIn } from "../unit/cloud/support/sts-stand-in.ts";

// Made at run time, so no file the walker may read (this test's source among them) holds them.
const canary = (prefix: string) => `${prefix}${randomBytes(18).toString("hex")}`;
const CANARIES = {
  gitlabToken: canary("glpat-"),
  ciJobToken: canary("ci-job-"),
  modelKey: canary("sk-ant-"),
  idToken: canary("eyJ-id-"),
  // What the gateways hold: the role's AWS credentials, Google's federated and access tokens, a
  // subscription's OAuth token (the GitLab ID token they are got with joins once minted).
  awsAccessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
  awsSecretAccessKey: canary("aws-secret-"),
  awsSessionToken: canary("aws-session-"),
  googleFederated: canary("ya29.fed-"),
  googleAccess: canary("ya29.acc-"),
  oauthToken: canary("sk-ant-oat01-"),
  /** Replaced by the GitLab ID token a gateway test mints. */
  gitlabIdToken: canary("eyJ-unminted-"),
};

const cleanups: Array<
  TempDir | ModelServer | ModelProxy | ToolBridge | StsStandIn | GoogleStandIn | CloudGateway
> = [];
const holders: ChildProcess[] = [];
afterEach(async () => {
  for (const holder of holders.splice(0)) holder.kill("SIGKILL");
  for (const item of cleanups.splice(0).reverse()) {
    await ("remove" in item ? item.remove() : item.close());
  }
});

/**
 * A process of the job's that holds its secrets in its environment, as `agent-bridge run` does from the
 * start (this test process only sets them later, which /proc/<pid>/environ does not show).
 */
function jobProcess(): void {
  const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)"], {
    env: {
      GITLAB_TOKEN: CANARIES.gitlabToken,
      CI_JOB_TOKEN: CANARIES.ciJobToken,
      ANTHROPIC_API_KEY: CANARIES.modelKey,
    },
    stdio: "ignore",
  });
  holders.push(holder);
}

/** The job's side of a run: its environment, run directory, checkout and model proxy. */
async function jobWorld(upstream: string, auth: Record<string, string>) {
  const repo = await tempGitRepo({ "app.txt": "walker was given this tree\n" });
  // A checkout the agent's own user can reach without namespaces too, as /builds is.
  await chmod(repo.path, 0o755);
  const runDir = await tempDir("walker-run");
  cleanups.push(repo, runDir);
  await mkdir(join(runDir.path, "cloud"));
  await writeFile(join(runDir.path, "cloud", "id-token"), CANARIES.idToken, { mode: 0o600 });
  // As GitLab's runner clones: the job token in the remote URL and, base64'd, in an extra header.
  git(
    repo.path,
    "remote",
    "add",
    "origin",
    `https://gitlab-ci-token:${CANARIES.ciJobToken}@gitlab.test/g/p.git`,
  );
  const basic = Buffer.from(`gitlab-ci-token:${CANARIES.ciJobToken}`).toString("base64");
  git(repo.path, "config", "http.https://gitlab.test.extraheader", `Authorization: Basic ${basic}`);
  await removeCheckoutCredentials(createGit({ dir: repo.path }));
  const proxy = await startModelProxy({ upstream, auth });
  cleanups.push(proxy);
  jobProcess();
  return { repo: repo.path, runDir: runDir.path, proxy };
}

/** The bridge's real MCP server, which both CLIs start inside the box; GitLab is never called here. */
async function bridgeFor(workdir: string, assistant: "claude" | "codex"): Promise<ToolBridge> {
  const bridge = await startToolBridge({
    gitlab: { request: () => Promise.reject(new Error("no GitLab in this test")) },
    event: { assistant, projectId: 1, noteableType: "Issue", noteId: 2, confidential: false },
    onProgress: () => undefined,
    minProgressIntervalMs: 0,
    redact: (text) => text,
    workdir,
  });
  cleanups.push(bridge);
  return bridge;
}

/** Runs the CLI's runner in the box as `agent-bridge run` does, with this process's environment as the job's. */
async function boxedRun(
  runner: (box: ProcessBox) => AgentRunner,
  options: Omit<AgentRunOptions, "homeDir" | "images" | "deadlineAt" | "signal" | "onEvent">,
): Promise<AgentRunResult> {
  const isolation = await probeIsolation({ env: process.env });
  const box = await openAgentBox({ isolation, workdir: options.workdir, images: [], toolchain: [] });
  const saved = { GITLAB_TOKEN: process.env["GITLAB_TOKEN"], CI_JOB_TOKEN: process.env["CI_JOB_TOKEN"] };
  process.env["GITLAB_TOKEN"] = CANARIES.gitlabToken;
  process.env["CI_JOB_TOKEN"] = CANARIES.ciJobToken;
  try {
    return await runner(box).run({
      ...options,
      homeDir: box.homeDir,
      images: [],
      deadlineAt: Date.now() + 240_000,
      signal: new AbortController().signal,
      onEvent: () => undefined,
    });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await box.close();
  }
}

/** The walker as one shell command: its source travels base64'd, so no quoting can break it. */
const walkCommand = `node -e "$(echo ${Buffer.from(WALKER_SOURCE).toString("base64")} | base64 -d)"`;

function expectNoCanary(haystack: string, where: string): void {
  for (const [name, value] of Object.entries(CANARIES)) {
    for (const form of encodedForms(value)) {
      expect(haystack.includes(form.needle), `${name} (${form.encoding}) in ${where}`).toBe(false);
    }
  }
}

async function haulOf(workdir: string): Promise<string> {
  const haul = await readFile(join(workdir, "haul.txt"), "latin1");
  // The walk happened: it read the tree, its own HOME and the system's passwd file.
  expect(haul).toContain("walker was given this tree");
  expect(haul).toContain("== /etc/passwd");
  return haul;
}

describe("red team: an agent that reads everything it can", () => {
  it("finds the job's secrets when it runs as the job (the probe works)", async () => {
    const { repo, runDir } = await jobWorld("http://127.0.0.1:9", { "x-api-key": CANARIES.modelKey });
    // The run directory is named so the walk reaches it before the size cap, whatever else /tmp holds.
    execFileSync(process.execPath, ["-e", WALKER_SOURCE, runDir], { cwd: repo, stdio: "ignore", env: {} });
    const haul = await readFile(join(repo, "haul.txt"), "latin1");
    expect(haul).toContain(CANARIES.gitlabToken);
    expect(haul).toContain(CANARIES.modelKey);
    expect(haul).toContain(CANARIES.idToken);
    // The walk reads up to 64 MiB; on a loaded machine (CI runs everything at once) that takes longer than
    // the default 60 s, as the boxed walks below do.
  }, 300_000);

  it("Claude Code with Bash allowed: nothing secret in what it read or sent", async () => {
    const turns: Turn[] = [[{ tool: "Bash", input: { command: walkCommand } }]];
    const server = await startAnthropicModelServer({ script: ({ turnIndex }) => turns[turnIndex] });
    cleanups.push(server);
    const { repo, proxy } = await jobWorld(server.url, { "x-api-key": CANARIES.modelKey });
    const bridge = await bridgeFor(repo, "claude");
    const result = await boxedRun((box) => createClaudeRunner({ bin: claudeBin, box }), {
      prompt: "Do the task.",
      workdir: repo,
      model: claudeScriptedModel,
      allowedTools: ["Bash", "Read", "Write"],
      extraArgs: [],
      env: {
        ANTHROPIC_BASE_URL: proxy.baseUrl,
        ANTHROPIC_API_KEY: DUMMY_MODEL_KEY,
        CLAUDE_CODE_MAX_RETRIES: "0",
      },
      mcp: bridge.launch,
    });
    expect(result.status, result.error).toBe("success");
    expect(server.requests.filter((r) => r.kind === "turn").length).toBeGreaterThan(turns.length);
    expectNoCanary(await haulOf(repo), "the walker's haul");
    expectNoCanary(JSON.stringify(server.requests.map((r) => r.body)), "what Claude Code sent its model");
  }, 300_000);

  it("Codex in workspace-write: nothing secret in what it read or sent", async () => {
    const turns: Turn[] = [[{ tool: "shell", input: { cmd: walkCommand } }]];
    const server = await startOpenAIModelServer({ script: ({ turnIndex }) => turns[turnIndex] });
    cleanups.push(server);
    const { repo, proxy } = await jobWorld(server.url, { authorization: `Bearer ${CANARIES.modelKey}` });
    const bridge = await bridgeFor(repo, "codex");
    const result = await boxedRun((box) => createCodexRunner({ bin: codexBin, box }), {
      prompt: "Do the task.",
      workdir: repo,
      model: codexScriptedModel,
      extraArgs: [],
      env: { OPENAI_BASE_URL: proxy.baseUrl, OPENAI_API_KEY: DUMMY_MODEL_KEY },
      mcp: bridge.launch,
    });
    expect(result.status, result.error).toBe("success");
    expect(server.requests.filter((r) => r.kind === "turn").length).toBeGreaterThan(turns.length);
    expectNoCanary(await haulOf(repo), "the walker's haul");
    expectNoCanary(JSON.stringify(server.requests.map((r) => r.body)), "what Codex sent its model");
  }, 300_000);

  describe("Claude Code on Bedrock, Vertex AI and a subscription, through the model proxy", () => {
    const ROLE = "arn:aws:iam::123456789012:role/agent-bridge-ci";
    const PROVIDER = "projects/1/locations/global/workloadIdentityPools/pool-1/providers/gitlab";
    const SERVICE_ACCOUNT = "agent-bridge-vertex@my-project-1.iam.gserviceaccount.com";

    /** The job's model environment for a provider, as `agent-bridge run` makes it, with stand-ins for the clouds. */
    async function gatewayFor(
      provider: "bedrock" | "vertex" | "oauth",
      server: ModelServer,
    ): Promise<{ env: Record<string, string>; idToken: string }> {
      const idToken = await mintIdToken();
      CANARIES.gitlabIdToken = idToken;
      if (provider === "oauth") {
        const proxy = await startModelProxy({
          upstream: server.url,
          auth: { authorization: `Bearer ${CANARIES.oauthToken}` },
        });
        cleanups.push(proxy);
        return {
          env: { ANTHROPIC_BASE_URL: proxy.baseUrl, CLAUDE_CODE_OAUTH_TOKEN: DUMMY_MODEL_KEY },
          idToken,
        };
      }
      if (provider === "bedrock") {
        const sts = await startStsStandIn({
          roleArn: ROLE,
          aud: "https://gitlab.com",
          subPatterns: ["project_path:platform/api:*"],
          jwks: await issuer.jwks(),
          issued: {
            accessKeyId: CANARIES.awsAccessKeyId,
            secretAccessKey: CANARIES.awsSecretAccessKey,
            sessionToken: CANARIES.awsSessionToken,
            expiration: "2030-01-02T03:04:05Z",
          },
        });
        cleanups.push(sts);
        const gateway = await cloudModelGateway("bedrock", {
          env: {
            AWS_ROLE_ARN: ROLE,
            AWS_REGION: "us-east-1",
            AGENT_BRIDGE_ID_TOKEN: idToken,
            ANTHROPIC_BEDROCK_BASE_URL: server.url,
          },
          stsEndpoint: sts.endpoint,
        });
        cleanups.push(gateway);
        return { env: gateway.env, idToken };
      }
      const google = await startGoogleStandIn({
        idToken,
        providerName: PROVIDER,
        serviceAccount: SERVICE_ACCOUNT,
        federatedToken: CANARIES.googleFederated,
        accessToken: CANARIES.googleAccess,
      });
      cleanups.push(google);
      const gateway = await cloudModelGateway("vertex", {
        env: {
          GCP_WORKLOAD_IDENTITY_PROVIDER: PROVIDER,
          GCP_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
          ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
          CLOUD_ML_REGION: "us-east5",
          AGENT_BRIDGE_ID_TOKEN: idToken,
          ANTHROPIC_VERTEX_BASE_URL: `${server.url}/v1`,
        },
        googleStsUrl: google.stsUrl,
        iamCredentialsUrl: google.iamCredentialsUrl,
      });
      cleanups.push(gateway);
      return { env: gateway.env, idToken };
    }

    for (const provider of ["bedrock", "vertex", "oauth"] as const) {
      it(`${provider}: the upstream gets the right credential, the box holds none in any encoding`, async () => {
        const turns: Turn[] = [[{ tool: "Bash", input: { command: walkCommand } }]];
        const server = await startAnthropicModelServer({ script: ({ turnIndex }) => turns[turnIndex] });
        cleanups.push(server);
        const { repo } = await jobWorld("http://127.0.0.1:9", {
          "x-api-key": CANARIES.modelKey,
        });
        const { env } = await gatewayFor(provider, server);
        const bridge = await bridgeFor(repo, "claude");
        const result = await boxedRun((box) => createClaudeRunner({ bin: claudeBin, box }), {
          prompt: "Do the task.",
          workdir: repo,
          model: claudeScriptedModel,
          allowedTools: ["Bash", "Read", "Write"],
          extraArgs: [],
          env: { ...env, CLAUDE_CODE_MAX_RETRIES: "0" },
          mcp: bridge.launch,
        });
        expect(result.status, result.error).toBe("success");
        const turnsSeen = server.requests.filter((r) => r.kind === "turn");
        expect(turnsSeen.length).toBeGreaterThan(turns.length);
        for (const request of turnsSeen) {
          if (provider === "bedrock") {
            expect(request.url).toMatch(/^\/model\/[^/]+\/invoke-with-response-stream$/);
            const verdict = await checkSigV4(request, {
              accessKeyId: CANARIES.awsAccessKeyId,
              secretAccessKey: CANARIES.awsSecretAccessKey,
            });
            expect(verdict, verdict.why).toMatchObject({ ok: true, service: "bedrock", region: "us-east-1" });
            expect(request.headers["x-amz-security-token"]).toBe(CANARIES.awsSessionToken);
          } else if (provider === "vertex") {
            expect(request.url).toMatch(/:streamRawPredict$/);
            expect(request.headers["authorization"]).toBe(`Bearer ${CANARIES.googleAccess}`);
          } else {
            expect(request.headers["authorization"]).toBe(`Bearer ${CANARIES.oauthToken}`);
            expect(request.headers["anthropic-beta"]).toContain("oauth-");
          }
        }
        expectNoCanary(await haulOf(repo), "the walker's haul");
        expectNoCanary(JSON.stringify(server.requests.map((r) => r.body)), "what Claude Code sent its model");
      }, 300_000);
    }
  });
});
