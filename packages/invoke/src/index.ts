/**
 * @fnmesh/invoke — the one invocation path: `createInvokeClient(nc).call(...)` for sync requests,
 * `.enqueue(...)` for Event requests. See invoke-client.ts.
 */
export { createInvokeClient, asyncMessageId } from "./invoke-client.ts";
export type { InvokeClient, CallOptions, SyncOutcome, Enqueued } from "./invoke-client.ts";
