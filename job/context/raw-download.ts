// What the JSON API client cannot read: a job's log (plain text) and a note's uploaded image (bytes), fetched
// with the bot token. The token goes only to the GitLab instance's own origin: a redirect elsewhere (object
// storage) is followed without it. Bodies are read within a byte cap, so a huge log or file costs memory
// that is bounded whatever GitLab sends.

export interface RawAccess {
  /** The instance's base URL, e.g. https://gitlab.example.com. */
  baseUrl: string;
  /** The bot token (PRIVATE-TOKEN); never sent to another origin. */
  token: string;
  fetch: typeof fetch;
}

export interface RawAnswer {
  status: number;
  contentType: string;
  /** The body, or its last `keepTail` bytes; null when the status was not 200. */
  body: Uint8Array | null;
  /** Bytes of the body that were skipped (keepTail) or not read (maxBytes). */
  skipped: number;
  /** The body was longer than maxBytes and was not read to the end. */
  overflow: boolean;
}

export interface RawGetOptions {
  /** Give up on the body past this many bytes (overflow). */
  maxBytes?: number;
  /** Keep only the last this many bytes of the body (for logs). */
  keepTail?: number;
  signal?: AbortSignal;
  /** Called once per HTTP request made, redirects included. */
  onRequest?: () => void;
}

const MAX_REDIRECTS = 3;

/** GET `pathOrUrl` (a path on the instance) with the token; follows redirects by hand. */
export async function rawGet(
  access: RawAccess,
  path: string,
  options: RawGetOptions = {},
): Promise<RawAnswer> {
  const origin = new URL(access.baseUrl).origin;
  let url = new URL(access.baseUrl.replace(/\/+$/, "") + path);
  for (let hop = 0; ; hop++) {
    options.onRequest?.();
    const headers: Record<string, string> = { "user-agent": "agent-bridge" };
    if (url.origin === origin) headers["PRIVATE-TOKEN"] = access.token;
    const response = await access.fetch(url, {
      method: "GET",
      headers,
      redirect: "manual",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null && hop < MAX_REDIRECTS) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const contentType = response.headers.get("content-type") ?? "";
    if (response.status !== 200) {
      await response.body?.cancel();
      return { status: response.status, contentType, body: null, skipped: 0, overflow: false };
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (options.maxBytes !== undefined && declared > options.maxBytes) {
      await response.body?.cancel();
      return { status: 200, contentType, body: null, skipped: declared, overflow: true };
    }
    return { status: 200, contentType, ...(await readBody(response, options)) };
  }
}

async function readBody(
  response: Response,
  options: RawGetOptions,
): Promise<{ body: Uint8Array; skipped: number; overflow: boolean }> {
  const chunks: Uint8Array[] = [];
  let held = 0;
  let skipped = 0;
  const reader = response.body?.getReader();
  if (!reader) return { body: new Uint8Array(0), skipped: 0, overflow: false };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    held += value.length;
    if (options.maxBytes !== undefined && held + skipped > options.maxBytes) {
      await reader.cancel();
      return { body: new Uint8Array(0), skipped: held + skipped, overflow: true };
    }
    if (options.keepTail !== undefined) {
      // Drop whole chunks from the front while the rest still holds the tail.
      while (chunks.length > 1 && held - (chunks[0]?.length ?? 0) >= options.keepTail) {
        const dropped = chunks.shift();
        held -= dropped?.length ?? 0;
        skipped += dropped?.length ?? 0;
      }
    }
  }
  let body = concat(chunks, held);
  if (options.keepTail !== undefined && body.length > options.keepTail) {
    skipped += body.length - options.keepTail;
    body = body.subarray(body.length - options.keepTail);
  }
  return { body, skipped, overflow: false };
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
