import type { CodeRef, Runtime } from "@fnmesh/protocol";

/** A function's $LATEST configuration as stored. */
export interface FunctionRecord {
  name: string;
  description: string;
  runtime: Runtime;
  handler: string;
  role: string;
  memoryMb: number;
  timeoutSec: number;
  env: Record<string, string>;
  codeSha256: string;
  codeSize: number;
  zipKey: string;
  codeRef: CodeRef;
  revisionId: string;
  createdAt: Date;
  lastModified: Date;
  /** PutFunctionConcurrency's value; absent when the function draws on the unreserved pool. */
  reservedConcurrency?: number;
  /** PutFunctionEventInvokeConfig's settings for $LATEST; absent when none were put. */
  eventInvokeConfig?: EventInvokeSettings & { lastModified: Date };
}

/**
 * A function's asynchronous invocation settings as the caller gave them: members left out are
 * absent (Lambda's defaults apply to them). Destinations are ARNs, already validated.
 */
export interface EventInvokeSettings {
  maximumRetryAttempts?: number;
  maximumEventAgeSec?: number;
  onSuccess?: string;
  onFailure?: string;
}

export type NewFunction = Omit<FunctionRecord, "revisionId" | "createdAt" | "lastModified" | "reservedConcurrency" | "eventInvokeConfig">;

export interface CodeUpdate { codeSha256: string; codeSize: number; zipKey: string; codeRef: CodeRef }

export type ConfigUpdate = Partial<Pick<FunctionRecord,
  "description" | "runtime" | "handler" | "role" | "memoryMb" | "timeoutSec" | "env" | "codeRef">>;

export interface ListPage { functions: FunctionRecord[]; nextMarker?: string }
