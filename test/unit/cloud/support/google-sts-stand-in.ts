// A local stand-in for Google's STS token exchange and the IAM credentials generateAccessToken call, as the
// job's Vertex AI token exchange uses them. It checks the requests as documented
// (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token: the token-exchange grant, the
// pool provider as audience, a JWT subject token, an access token requested for the cloud-platform scope;
// https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken:
// the federated token as Bearer, scope and lifetime) and answers Google's shapes. Listens on 127.0.0.1 only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface GoogleStandInOptions {
  /** The ID token the exchange must carry, and the provider and service account it is for. */
  idToken: string;
  providerName: string;
  serviceAccount: string;
  federatedToken: string;
  accessToken: string;
  /** Seconds the access token lives; default 3600. */
  lifetimeSeconds?: number;
}

export interface GoogleStandIn {
  /** The STS token URL (…/v1/token). */
  stsUrl: string;
  /** The IAM credentials origin. */
  iamCredentialsUrl: string;
  /** Each call, in order: which endpoint and whether it was accepted. */
  calls: Array<{ endpoint: "sts" | "iam"; ok: boolean }>;
  close(): Promise<void>;
}

export async function startGoogleStandIn(options: GoogleStandInOptions): Promise<GoogleStandIn> {
  const calls: GoogleStandIn["calls"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "POST" && req.url === "/v1/token") {
        const form = new URLSearchParams(text);
        const ok =
          req.headers["content-type"] === "application/x-www-form-urlencoded" &&
          form.get("grant_type") === "urn:ietf:params:oauth:grant-type:token-exchange" &&
          form.get("audience") === `//iam.googleapis.com/${options.providerName}` &&
          form.get("scope") === "https://www.googleapis.com/auth/cloud-platform" &&
          form.get("requested_token_type") === "urn:ietf:params:oauth:token-type:access_token" &&
          form.get("subject_token_type") === "urn:ietf:params:oauth:token-type:jwt" &&
          form.get("subject_token") === options.idToken;
        calls.push({ endpoint: "sts", ok });
        if (!ok)
          return send(400, { error: "invalid_grant", error_description: "The token exchange was refused" });
        return send(200, {
          access_token: options.federatedToken,
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          token_type: "Bearer",
          expires_in: 3600,
        });
      }
      const path = `/v1/projects/-/serviceAccounts/${encodeURIComponent(options.serviceAccount)}:generateAccessToken`;
      if (req.method === "POST" && req.url === path) {
        let body: { scope?: unknown; lifetime?: unknown } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // refused below
        }
        const ok =
          req.headers["authorization"] === `Bearer ${options.federatedToken}` &&
          JSON.stringify(body.scope) === JSON.stringify(["https://www.googleapis.com/auth/cloud-platform"]) &&
          typeof body.lifetime === "string" &&
          /^\d+s$/.test(body.lifetime);
        calls.push({ endpoint: "iam", ok });
        if (!ok)
          return send(403, {
            error: { code: 403, message: "Permission 'iam.serviceAccounts.getAccessToken' denied" },
          });
        const lifetime = options.lifetimeSeconds ?? 3600;
        return send(200, {
          accessToken: options.accessToken,
          expireTime: new Date(Date.now() + lifetime * 1000).toISOString(),
        });
      }
      send(404, { error: { code: 404, message: `no such endpoint ${req.method} ${req.url}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    stsUrl: `${origin}/v1/token`,
    iamCredentialsUrl: origin,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
