// `agent-bridge serve` as a person runs it: a real process, settings from its environment, the JSON line
// on stdout, signals. The GitLab behind it is a local server the test controls.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { fixture } from "../webhook/fixture-payloads.ts";
import { gitlabHeaders, plainNoteBody, receiverEnv } from "./receiver-fixtures.ts";

const BIN = fileURLToPath(new URL("../../../bin/agent-bridge.js", import.meta.url));

type Child = ChildProcessByStdio<null, Readable, Readable>;
const children: Child[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(
    servers
      .splice(0)
      .map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))),
  );
});

function run(args: string[], env: Record<string, string>) {
  // Only what the test gives, plus PATH: the developer's own GITLAB_* variables must not leak in.
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    const check = () => {
      const newline = stdout.indexOf("\n");
      if (newline >= 0) resolve(stdout.slice(0, newline));
    };
    child.stdout.on("data", check);
    child.once("exit", () => reject(new Error(`exited before printing a line; stderr:\n${stderr}`)));
  });
  firstLine.catch(() => undefined); // only some tests wait for it
  return { child, exited, firstLine, stdout: () => stdout, stderr: () => stderr };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("cli/commands/serve", () => {
  it("prints one JSON line with its URLs once listening, serves, and stops on SIGTERM with exit 0", async () => {
    const gitlab = await listen((_req, res) => res.writeHead(500).end());
    const serve = run(
      ["serve", "--port", "0", "--host", "127.0.0.1"],
      receiverEnv(gitlab, { SWEEP_INTERVAL_SECONDS: "0" }),
    );
    const line = JSON.parse(await serve.firstLine) as { url: string; webhookUrl: string };
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.webhookUrl).toBe(`${line.url}/webhook`);

    expect(await (await fetch(`${line.url}/healthz`)).json()).toEqual({ ok: true });
    const res = await fetch(line.webhookUrl, {
      method: "POST",
      headers: gitlabHeaders(),
      body: plainNoteBody(),
    });
    expect(res.status).toBe(202);

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    const lines = serve.stdout().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? "")).toMatchObject({ msg: "webhook delivery", status: 202, callCount: 0 });
  });

  it("answers a mention at once, and finishes its GitLab work before it exits on SIGINT", async () => {
    // A GitLab that holds every call until the test lets it answer.
    const held: ServerResponse[] = [];
    let firstCall!: () => void;
    const called = new Promise<void>((resolve) => (firstCall = resolve));
    const gitlab = await listen((req, res) => {
      req.resume();
      held.push(res);
      firstCall();
    });
    const serve = run(
      ["serve", "--port", "0", "--host", "127.0.0.1"],
      // No sweep: every GitLab call here is the mention's.
      receiverEnv(gitlab, { BRIDGE_USER_ID: "99", SWEEP_INTERVAL_SECONDS: "0" }),
    );
    const { webhookUrl } = JSON.parse(await serve.firstLine) as { webhookUrl: string };

    const mention = fixture("note-on-issue");
    mention["object_attributes"]["note"] = "@claude please look at this";
    // Answered while GitLab holds every call: the answer does not wait on GitLab's API.
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: gitlabHeaders(),
      body: JSON.stringify(mention),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ result: "accepted" });
    await called;
    serve.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(serve.child.exitCode).toBeNull();

    // GitLab now answers (404 to all); the task ends and only then does the process end.
    const answerAll = setInterval(() => {
      for (const answer of held.splice(0))
        answer.writeHead(404, { "content-type": "application/json" }).end('{"message":"404 Not Found"}');
    }, 10);
    try {
      expect(await serve.exited).toBe(0);
    } finally {
      clearInterval(answerAll);
    }
    expect(serve.stderr()).toContain("SIGINT, finishing the deliveries and mentions under way");
  });

  it("exits 2 listing every bad setting, without starting", async () => {
    const serve = run(["serve", "--port", "0", "--host", "127.0.0.1"], {
      GITLAB_URL: "gitlab.example.com",
      WEBHOOK_SECRET: "s3cr3t-value",
      MIN_ACCESS_LEVEL: "boss",
    });
    expect(await serve.exited).toBe(2);
    expect(serve.stdout()).toBe("");
    const stderr = serve.stderr();
    for (const variable of ["GITLAB_URL:", "GITLAB_TOKEN:", "MIN_ACCESS_LEVEL:"])
      expect(stderr).toContain(variable);
    expect(stderr).not.toContain("s3cr3t-value");
  });

  it("exits 2 on a bad option or port", async () => {
    const env = receiverEnv("http://127.0.0.1:9");
    const unknown = run(["serve", "--bogus"], env);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain("Unknown option '--bogus'");
    const port = run(["serve", "--port", "http"], env);
    expect(await port.exited).toBe(2);
    expect(port.stderr()).toContain('--port expects a port number from 0 to 65535, got "http"');
  });

  it("--help lists the options and every environment variable", async () => {
    const help = run(["serve", "--help"], {});
    expect(await help.exited).toBe(0);
    for (const text of [
      "--port",
      "--host",
      "GITLAB_URL (required)",
      "WEBHOOK_SECRET",
      "MIN_ACCESS_LEVEL (default: developer)",
      "DEADLINE_MS",
    ]) {
      expect(help.stdout()).toContain(text);
    }
  });
});
