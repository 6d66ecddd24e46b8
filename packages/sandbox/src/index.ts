/**
 * @fnmesh/sandbox — runs AWS Lambda Node.js handlers with Lambda's semantics: handler forms,
 * `context`, `process.env`, console logs, timers, timeouts and memory limits, warm reuse.
 *
 * `SandboxRuntime` is the interface; `createIsolateRuntime` is its isolated-vm implementation
 * (every process that loads it needs `node --no-node-snapshot`). A user function's failure is an
 * outcome (`status: "function_error"`); only fnmesh's own failures throw, as FnmeshError.
 *
 * @example
 * ```ts
 * import { createIsolateRuntime } from "@fnmesh/sandbox";
 *
 * const runtime = createIsolateRuntime({ memoryBudgetMb: 2048 });
 * const outcome = await runtime.invoke({
 *   requestId: crypto.randomUUID(),
 *   fn: {
 *     key: `hello:${revisionId}`, name: "hello", version: "$LATEST",
 *     arn: "arn:aws:lambda:local:000000000000:function:hello", runtime: "nodejs22.x",
 *     memoryMb: 128, timeoutMs: 3000, env: { STAGE: "dev" },
 *     codeId: sha256, exportPath: ["handler"], handlerName: "index.handler",
 *     loadCode: () => codeStore.get(sha256),
 *   },
 *   event: JSON.stringify({ name: "world" }),
 *   onLog: (line) => publish(line),
 * });
 * if (outcome.status === "ok") reply(outcome.result);
 * await runtime.close();
 * ```
 */
export { createIsolateRuntime } from "./isolate-runtime.ts";
export { EgressError, EgressErrorCode } from "./egress/types.ts";
export type { EgressCallOptions, EgressFetcher, EgressRequest, EgressResponse } from "./egress/types.ts";
export { createEgressFetcher, parseEgressAllow } from "./egress/index.ts";
export type { EgressPolicy, ParsedEgressAllow } from "./egress/index.ts";
export { ErrorLogLabel } from "./types.ts";
export type {
  EgressOptions,
  FunctionErrorBody,
  InvocationInput,
  InvocationMetrics,
  InvocationOutcome,
  IsolateRuntimeOptions,
  LimitHit,
  LogLine,
  RuntimeStats,
  SandboxFunction,
  SandboxRuntime,
} from "./types.ts";
