// What both scripted model servers take and give, so callers can swap the API without other changes.
import type { RecordedRequest } from "./model-http-server.ts";
import type { ScriptSource } from "./script.ts";

export type { RecordedRequest } from "./model-http-server.ts";

export interface ModelServerOptions {
  script: ScriptSource;
  /** 0 or absent: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Called for every request once it is recorded (logging). */
  onRequest?: (request: RecordedRequest) => void;
}

export interface ModelServer {
  /** Anthropic: "http://127.0.0.1:PORT" (no /v1, as ANTHROPIC_BASE_URL wants it). OpenAI: ends with "/v1". */
  url: string;
  /** Every request received, in order; the array fills as requests come. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}
