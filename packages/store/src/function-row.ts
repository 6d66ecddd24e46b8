/** The `functions` row and its mapping to a FunctionRecord, shared by the registry and settings stores. */
import type { CodeRef, Runtime } from "@fnmesh/protocol";
import type { EventInvokeSettings, FunctionRecord } from "./types.ts";

/** `event_invoke_config` as stored (JSON): absent and null members both mean "not set". */
export interface EventInvokeConfigJson {
  maximumRetryAttempts?: number | null;
  maximumEventAgeSec?: number | null;
  onSuccess?: string | null;
  onFailure?: string | null;
  lastModified: string;
}

export interface FunctionRow {
  name: string; description: string; runtime: string; handler: string; role: string;
  memory_mb: number; timeout_sec: number; env: Record<string, string>; code_sha256: string;
  code_size: string; zip_key: string; code_ref: CodeRef; revision_id: string;
  created_at: Date; last_modified: Date;
  reserved_concurrency: number | null;
  event_invoke_config: EventInvokeConfigJson | null;
}

function toSettings(json: EventInvokeConfigJson): EventInvokeSettings & { lastModified: Date } {
  return {
    ...(typeof json.maximumRetryAttempts === "number" ? { maximumRetryAttempts: json.maximumRetryAttempts } : {}),
    ...(typeof json.maximumEventAgeSec === "number" ? { maximumEventAgeSec: json.maximumEventAgeSec } : {}),
    ...(typeof json.onSuccess === "string" ? { onSuccess: json.onSuccess } : {}),
    ...(typeof json.onFailure === "string" ? { onFailure: json.onFailure } : {}),
    lastModified: new Date(json.lastModified),
  };
}

export function toRecord(r: FunctionRow): FunctionRecord {
  return {
    name: r.name, description: r.description, runtime: r.runtime as Runtime, handler: r.handler, role: r.role,
    memoryMb: r.memory_mb, timeoutSec: r.timeout_sec, env: r.env, codeSha256: r.code_sha256,
    codeSize: Number(r.code_size), zipKey: r.zip_key, codeRef: r.code_ref, revisionId: r.revision_id,
    createdAt: r.created_at, lastModified: r.last_modified,
    ...(r.reserved_concurrency !== null && r.reserved_concurrency !== undefined ? { reservedConcurrency: r.reserved_concurrency } : {}),
    ...(r.event_invoke_config ? { eventInvokeConfig: toSettings(r.event_invoke_config) } : {}),
  };
}
