/**
 * @fnmesh/concurrency — concurrency limits counted across the whole mesh: the CONCURRENCY_BUCKET KV
 * bucket of ledgers (one per limit: `concurrencyKeys.reserved(fn)`, `concurrencyKeys.unreserved`)
 * and a client per holder (an executor process) that admits invocations against them by
 * compare-and-set, renews its claims while it runs anything, and gives them back when idle or stopped.
 *
 * @example
 * ```ts
 * const ledger = createLedgerClient({ kv: await openConcurrencyBucket(nc), holderId: "exec-1", log });
 * const release = await ledger.acquire(concurrencyKeys.reserved("hello"), 5);
 * if (!release) throw tooManyRequests;          // five already run somewhere in the mesh
 * try { await run(); } finally { release(); }
 * await ledger.stop();                          // removes exec-1 from every ledger
 * ```
 */
export { openConcurrencyBucket } from "./bucket.ts";
export type { ConcurrencyBucketOptions } from "./bucket.ts";
export { createLedgerClient } from "./ledger-client.ts";
export type { LedgerClient, LedgerClientOptions, Release } from "./ledger-client.ts";
