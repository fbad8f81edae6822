// Google Cloud's hand-off, without a client library: the receiver publishes each mention task to the Pub/Sub
// topic TASK_TOPIC (projects/P/topics/T) over the REST API with the function's own service account token
// from the metadata server; the topic's push subscription calls the worker function (worker-function.ts),
// retries with back-off while it answers an error, and after max_delivery_attempts forwards the message to
// the dead-letter topic. https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/publish
export const TASK_TOPIC_VARIABLE = "TASK_TOPIC";

const METADATA_TOKEN_URL =
  "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";
const TOPIC = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/;

export interface PublisherOptions {
  topic: string;
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
  /** The Pub/Sub API's base (default https://pubsub.googleapis.com; tests point it elsewhere). */
  apiBase?: string;
  /** Where the access token comes from (default the metadata server). */
  tokenUrl?: string;
}

export function isTopicName(topic: string): boolean {
  return TOPIC.test(topic);
}

/** A publish function that resolves once Pub/Sub has stored the message (its messageId came back). */
export function createPublisher(options: PublisherOptions): (body: string) => Promise<void> {
  if (!isTopicName(options.topic)) {
    throw new Error(`${TASK_TOPIC_VARIABLE} must be projects/PROJECT/topics/TOPIC`);
  }
  let token: { value: string; expiresAt: number } | undefined;

  async function accessToken(): Promise<string> {
    // Refreshed a minute before it expires; a publish never waits on an expired one.
    if (token && token.expiresAt - 60_000 > options.now()) return token.value;
    const res = await options.fetch(options.tokenUrl ?? METADATA_TOKEN_URL, {
      headers: { "Metadata-Flavor": "Google" },
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) throw new Error(`the metadata server answered ${res.status} for a token`);
    const answer = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!answer.access_token) throw new Error("the metadata server gave no access token");
    token = { value: answer.access_token, expiresAt: options.now() + (answer.expires_in ?? 300) * 1000 };
    return token.value;
  }

  return async (body) => {
    const url = `${options.apiBase ?? "https://pubsub.googleapis.com"}/v1/${options.topic}:publish`;
    const res = await options.fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${await accessToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ data: Buffer.from(body, "utf8").toString("base64") }] }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`Pub/Sub answered ${res.status} to the publish`);
    const answer = (await res.json()) as { messageIds?: string[] };
    if (!answer.messageIds?.length) throw new Error("Pub/Sub returned no message id");
  };
}
