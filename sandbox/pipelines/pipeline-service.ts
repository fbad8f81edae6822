// Creates pipelines from a project's CI configuration and runs their jobs in the background.
import type { SandboxServices } from "../services.ts";
import type { Pipeline } from "../state/model.ts";

export interface CreatePipelineRequest {
  projectId: number;
  ref: string;
  source: Pipeline["source"];
  userId: number;
  variables?: Pipeline["variables"];
  inputs?: Record<string, unknown>;
}

export interface PipelineService {
  create(request: CreatePipelineRequest): Promise<Pipeline>;
  idle(): Promise<void>;
  busy(): boolean;
  cancelAll(): Promise<void>;
}

export function createPipelineService(_sb: SandboxServices): PipelineService {
  return {
    create: () => Promise.reject(new Error("not implemented")),
    idle: () => Promise.resolve(),
    busy: () => false,
    cancelAll: () => Promise.resolve(),
  };
}
