/**
 * @fnmesh/invoke — the one invocation path: `createInvokeClient(nc).call(...)` for sync requests,
 * `.enqueue(...)` for Event requests. See invoke-client.ts. `publishDeadLetter` writes what fnmesh
 * gives up on to FNMESH_DLQ with its reason and original bytes.
 */
export { createInvokeClient, asyncMessageId } from "./invoke-client.ts";
export type { InvokeClient, CallOptions, SyncOutcome, Enqueued } from "./invoke-client.ts";
export { publishDeadLetter } from "./dead-letter.ts";
export type { DeadLetter } from "./dead-letter.ts";
export { deliverRecord } from "./deliver-record.ts";
export type { RecordDeliveryDeps, RecordIds } from "./deliver-record.ts";
