// Provider `bedrock` through the model proxy: the job holds the AWS credentials (from the GitLab ID token,
// bedrock-credentials.ts) and signs each request of Claude Code's with SigV4; the CLI runs with
// CLAUDE_CODE_SKIP_BEDROCK_AUTH=1 and ANTHROPIC_BEDROCK_BASE_URL set to the proxy, so it holds no
// credential. Claude Code 2.1.197 sends two kinds of calls there: the runtime's
// `POST /model/<id>/invoke-with-response-stream` (and `/invoke`), and the control plane's
// `GET /inference-profiles` (its BedrockClient, for the region's inference profiles); each goes to its own
// host, both signed for the service `bedrock`.
//
//   const gateway = await bedrockGateway({ env: process.env });
//   const proxy = await startModelProxy({ upstream: gateway.upstream, auth: { sign: gateway.sign }, dropHeaders: gateway.dropHeaders });
//
// The credentials last at most an hour: they are exchanged again, with the same ID token, five minutes
// before they expire (a job may run longer than one role session).
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { OutgoingModelRequest } from "../box/model-proxy.ts";
import { getBedrockCredentials, type BedrockCredentials } from "./bedrock-credentials.ts";

const REFRESH_BEFORE_MS = 5 * 60_000;

export interface BedrockGatewayOptions {
  env: Readonly<Record<string, string | undefined>>;
  idTokenVariable?: string;
  stsEndpoint?: string;
  /**
   * One base URL for both runtime and control plane (a VPC endpoint, or a stand-in in tests); default the
   * region's public hosts.
   */
  endpoint?: string;
  now?: () => number;
}

export interface BedrockGateway {
  region: string;
  /** The upstream base URL for a path of the CLI's. */
  upstream(path: string): string;
  sign(request: OutgoingModelRequest): Promise<Record<string, string>>;
  /** The CLI's own x-amz-* headers (its user agent, a checksum it did not compute) are not passed on. */
  dropHeaders(name: string): boolean;
  /** The credential values of the first exchange, for the redactor. */
  secrets: string[];
}

export async function bedrockGateway(options: BedrockGatewayOptions): Promise<BedrockGateway> {
  const now = options.now ?? Date.now;
  const exchange = () =>
    getBedrockCredentials({
      env: options.env,
      ...(options.idTokenVariable !== undefined ? { idTokenVariable: options.idTokenVariable } : {}),
      ...(options.stsEndpoint !== undefined ? { stsEndpoint: options.stsEndpoint } : {}),
    });
  let current: BedrockCredentials = await exchange();
  let renewing: Promise<BedrockCredentials> | undefined;
  const credentials = async () => {
    if (current.expiration.getTime() - now() < REFRESH_BEFORE_MS) {
      renewing ??= exchange().finally(() => (renewing = undefined));
      current = await renewing;
    }
    const { env } = current;
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN,
    };
  };
  const region = current.env.AWS_REGION;
  const signer = new SignatureV4({ service: "bedrock", region, credentials, sha256: Sha256 });
  const endpoint = options.endpoint?.replace(/\/+$/, "");
  return {
    region,
    upstream: (path) =>
      endpoint ??
      (path.startsWith("/model/")
        ? `https://bedrock-runtime.${region}.amazonaws.com`
        : `https://bedrock.${region}.amazonaws.com`),
    sign: async (request) => {
      const query: Record<string, string | string[]> = {};
      for (const [name, value] of request.url.searchParams) {
        const had = query[name];
        query[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
      }
      // Signed: what names the request (host) and its body's type; the rest goes unsigned, as AWS allows.
      const headers: Record<string, string> = { host: request.url.host };
      const type = request.headers["content-type"];
      if (type !== undefined) headers["content-type"] = type;
      const signed = await signer.sign({
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        ...(request.url.port ? { port: Number(request.url.port) } : {}),
        path: request.url.pathname,
        query,
        headers,
        body: request.body,
      });
      return signed.headers;
    },
    dropHeaders: (name) => name.startsWith("x-amz-") || name.startsWith("amz-sdk-"),
    secrets: [
      current.env.AWS_SECRET_ACCESS_KEY,
      current.env.AWS_SESSION_TOKEN,
      current.env.AWS_ACCESS_KEY_ID,
    ],
  };
}

/** The hash the signer asks for (what @smithy/hash-node does), over node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash("sha256")
        : createHmac("sha256", typeof secret === "string" ? secret : toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === "string" ? data : toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}
