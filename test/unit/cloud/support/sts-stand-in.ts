// A local stand-in for AWS STS that speaks the real Query protocol: it takes the form-encoded
// AssumeRoleWithWebIdentity request the SDK sends and answers AssumeRoleWithWebIdentityResponse XML (or
// STS's ErrorResponse XML), as https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
// shows. Like STS it verifies the token: the RS256 signature against the issuer's JWKS, expiry, then the
// role's trust: aud with StringEquals and sub with StringLike (`*` any characters, `?` one).
// Listens on 127.0.0.1 only.
import { createPublicKey, randomUUID, verify, type JsonWebKey } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StsTrust {
  roleArn: string;
  aud: string;
  subPatterns: readonly string[];
  jwks: { keys: JsonWebKey[] };
  /** The credentials answered; default ISSUED (tests that must not find them in a file pass their own). */
  issued?: typeof ISSUED;
}

export interface StsStandIn {
  endpoint: string;
  /** Every request's form parameters, in order. */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

export const ISSUED = {
  accessKeyId: "ASIAAGENTBRIDGETEST1",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAGENTBRIDGE",
  sessionToken: "FwoGZXIvYXdzEAgentBridgeSessionToken//////////",
  expiration: "2030-01-02T03:04:05Z",
};

function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(value);
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function errorResponse(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${xml(message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>`;
}

type Verdict =
  | { ok: true; sub: string; aud: string; iss: string }
  | { ok: false; status: number; code: string; message: string };

function check(token: string, trust: StsTrust): Verdict {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || signature === undefined) {
    return { ok: false, status: 400, code: "InvalidIdentityToken", message: "Couldn't parse the token" };
  }
  const { kid } = JSON.parse(Buffer.from(header, "base64url").toString()) as { kid?: string };
  const jwk = trust.jwks.keys.find((key) => (key as { kid?: string }).kid === kid);
  const signed =
    jwk &&
    verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      createPublicKey({ key: jwk, format: "jwk" }),
      Buffer.from(signature, "base64url"),
    );
  if (!signed)
    return { ok: false, status: 400, code: "InvalidIdentityToken", message: "Incorrect token signature" };
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as {
    sub: string;
    aud: string | string[];
    iss: string;
    exp: number;
  };
  if (claims.exp * 1000 < Date.now())
    return { ok: false, status: 400, code: "ExpiredTokenException", message: "Token expired" };
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.includes(trust.aud) || !trust.subPatterns.some((pattern) => stringLike(pattern, claims.sub))) {
    return {
      ok: false,
      status: 403,
      code: "AccessDenied",
      message: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    };
  }
  return { ok: true, sub: claims.sub, aud: trust.aud, iss: claims.iss };
}

export async function startStsStandIn(trust: StsTrust): Promise<StsStandIn> {
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      requests.push(form);
      const send = (status: number, body: string) => {
        res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
        res.end(body);
      };
      if (
        req.method !== "POST" ||
        form.get("Action") !== "AssumeRoleWithWebIdentity" ||
        form.get("Version") !== "2011-06-15"
      ) {
        return send(400, errorResponse("InvalidAction", "Could not find operation"));
      }
      if (form.get("RoleArn") !== trust.roleArn) {
        return send(
          403,
          errorResponse("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
        );
      }
      const verdict = check(form.get("WebIdentityToken") ?? "", trust);
      if (!verdict.ok) return send(verdict.status, errorResponse(verdict.code, verdict.message));
      const session = form.get("RoleSessionName") ?? "";
      const issued = trust.issued ?? ISSUED;
      const roleName = trust.roleArn.replace(/^.*:role\//, "");
      const account = trust.roleArn.split(":")[4] ?? "";
      send(
        200,
        `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>${xml(verdict.sub)}</SubjectFromWebIdentityToken>
    <Audience>${xml(verdict.aud)}</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${account}:assumed-role/${roleName}/${xml(session)}</Arn>
      <AssumedRoleId>AROAAGENTBRIDGETEST:${xml(session)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${issued.sessionToken}</SessionToken>
      <SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey>
      <Expiration>${issued.expiration}</Expiration>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
    </Credentials>
    <Provider>${xml(verdict.iss.replace(/^https:\/\//, ""))}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
