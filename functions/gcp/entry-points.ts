// The names the Google Cloud source registers its functions under: the deploys' entry points.
export const FUNCTION_NAME = "agentBridgeWebhook";
export const WORKER_FUNCTION_NAME = "agentBridgeWorker";
