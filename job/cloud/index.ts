export * from "./bedrock-credentials.ts";
export * from "./id-token.ts";
export * from "./model-credentials.ts";
export * from "./vertex-credentials.ts";
