/**
 * @fnmesh/registry-view — what any service needs to turn a function name into the FunctionView an
 * invocation carries, without PostgreSQL: the FUNCTIONS_BUCKET KV bucket and a resolver that
 * watches it. The registry's owner (ingest) writes the bucket; everyone else only reads it. This
 * package never imports the store, so executors and schedulers may use it.
 *
 * @example
 * ```ts
 * const kv = await openFunctionBucket(nc);
 * const functions = startFunctionResolver({ kv, nc, log });
 * await functions.ready;
 * const view = functions.resolve("hello"); // FunctionView | undefined, from memory
 * await functions.stop();
 * ```
 */
export { openFunctionBucket } from "./bucket.ts";
export type { FunctionBucketOptions } from "./bucket.ts";
export { startFunctionResolver } from "./resolver.ts";
export type { FunctionResolver, FunctionResolverOptions, ViewEntry } from "./resolver.ts";
