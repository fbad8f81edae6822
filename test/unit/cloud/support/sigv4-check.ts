// Checks a request's SigV4 signature as AWS does: from what arrived (method, path and query as sent, the
// headers its SignedHeaders names, the body's bytes) and the credentials, the signature is computed again
// for the date of its x-amz-date and must equal the one in its Authorization header.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

export interface ArrivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawBody: Buffer;
}

export interface SigV4Verdict {
  ok: boolean;
  /** The credential scope's access key id, region and service, as the header names them. */
  accessKeyId?: string;
  region?: string;
  service?: string;
  why?: string;
}

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data): string | Buffer =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

class Sha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

export async function checkSigV4(
  request: ArrivedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): Promise<SigV4Verdict> {
  const auth = request.headers["authorization"] ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match) return { ok: false, why: "no SigV4 Authorization header" };
  const [, accessKeyId, , region, service, signedHeaders, signature] = match as unknown as string[];
  const date = request.headers["x-amz-date"];
  if (!date) return { ok: false, why: "no x-amz-date" };
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders ?? "").split(";")) {
    const value = request.headers[name];
    if (value === undefined) return { ok: false, why: `signed header ${name} did not arrive` };
    headers[name] = value;
  }
  const url = new URL(request.url, `http://${request.headers["host"] ?? "localhost"}`);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const had = query[name];
    query[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: service ?? "",
    region: region ?? "",
    credentials,
    sha256: Sha256,
  });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: "https:",
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: request.rawBody,
    },
    { signingDate },
  );
  const ok = expected.headers["authorization"]?.endsWith(`Signature=${signature}`) === true;
  return {
    ok,
    ...(accessKeyId !== undefined ? { accessKeyId } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(service !== undefined ? { service } : {}),
    ...(ok ? {} : { why: "the signature does not match the request" }),
  };
}
