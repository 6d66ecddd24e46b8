import { z } from "zod";
import { EventInvokeConfig } from "./event-invoke-config.ts";
import { FunctionSpec } from "./function.ts";

/** Lambda's function states; fnmesh writes only `Active` today. contract: never rename */
export const FunctionState = { Pending: "Pending", Active: "Active", Inactive: "Inactive", Failed: "Failed" } as const;
export type FunctionState = (typeof FunctionState)[keyof typeof FunctionState];

/**
 * One function as every resolver sees it: the value under its key in FUNCTIONS_BUCKET. Everything
 * an invocation needs, so resolving a name never reads PostgreSQL. Written by the registry's owner
 * after each successful create, update and delete (a delete removes the key).
 */
export const FunctionView = z.object({
  v: z.literal(1),
  name: z.string(),
  /** Same as `spec.revisionId`; kept at the top so a reader can compare without the spec. */
  revisionId: z.string().min(1),
  state: z.enum([FunctionState.Pending, FunctionState.Active, FunctionState.Inactive, FunctionState.Failed]),
  spec: FunctionSpec,
  /** PutFunctionConcurrency's value; absent when the function draws on the account's unreserved pool. */
  reservedConcurrency: z.number().int().min(0).optional(),
  /** PutFunctionEventInvokeConfig's settings; absent means Lambda's defaults (2 retries, 6 hours). */
  eventInvokeConfig: EventInvokeConfig.optional(),
});
export type FunctionView = z.infer<typeof FunctionView>;
