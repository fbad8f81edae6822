// Reads a request body with a size limit, and decodes JSON, form and multipart bodies into params.
// Malformed bodies are the client's fault: they become GitLab-like 400s, never a crash.
import type { IncomingMessage } from "node:http";
import { ApiError } from "./api-error.ts";
import { parseBracketPairs, type Params } from "./params.ts";

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface DecodedBody {
  params: Params;
  files: UploadedFile[];
}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limitBytes) {
    req.resume();
    throw new ApiError(413, { message: "413 Request Entity Too Large" });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      req.resume();
      throw new ApiError(413, { message: "413 Request Entity Too Large" });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function decodeBody(raw: Buffer, contentType: string | undefined): DecodedBody {
  if (raw.length === 0) return { params: {}, files: [] };
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || (type === "" && raw[0] === 0x7b)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new ApiError(400, { error: "The provided content-type 'application/json' is not supported." });
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ApiError(400, { error: "body is invalid" });
    }
    return { params: parsed as Params, files: [] };
  }
  if (type === "multipart/form-data") {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw new ApiError(400, { error: "multipart boundary is missing" });
    return decodeMultipart(raw, b);
  }
  // application/x-www-form-urlencoded, and what curl sends by default.
  return { params: parseBracketPairs(new URLSearchParams(raw.toString("utf8"))), files: [] };
}

function decodeMultipart(raw: Buffer, boundary: string): DecodedBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const pairs: Array<[string, string]> = [];
  const files: UploadedFile[] = [];
  let pos = raw.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === "--") break;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    const part = raw.subarray(start + 2, next - 2); // strip the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headerText = part.subarray(0, headerEnd).toString("utf8");
      const data = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headerText)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headerText)?.[1];
      const partType = /content-type:\s*([^\r\n]+)/i.exec(headerText)?.[1] ?? "application/octet-stream";
      if (name !== undefined) {
        if (filename !== undefined) files.push({ field: name, filename, contentType: partType, data });
        else pairs.push([name, data.toString("utf8")]);
      }
    }
    pos = next;
  }
  return { params: parseBracketPairs(pairs), files };
}
