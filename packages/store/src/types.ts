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
}

export type NewFunction = Omit<FunctionRecord, "revisionId" | "createdAt" | "lastModified">;

export interface CodeUpdate { codeSha256: string; codeSize: number; zipKey: string; codeRef: CodeRef }

export type ConfigUpdate = Partial<Pick<FunctionRecord,
  "description" | "runtime" | "handler" | "role" | "memoryMb" | "timeoutSec" | "env" | "codeRef">>;

export interface ListPage { functions: FunctionRecord[]; nextMarker?: string }
