/** What a Lambda execution environment tells its function: env vars, log names, handler file. */
import { randomBytes } from "node:crypto";
import type { SandboxFunction } from "./types.ts";

/** `2026/11/23/[$LATEST]0123…`: one per execution environment (isolate), as in Lambda. */
export function newLogStreamName(version: string, now = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll("-", "/");
  return `${date}/[${version}]${randomBytes(16).toString("hex")}`;
}

export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/**
 * `process.env` inside the isolate: the function's variables plus those Lambda sets. Lambda's own
 * names win, except AWS_REGION/AWS_DEFAULT_REGION, which the function may set (default "local").
 */
export function lambdaEnvironment(fn: SandboxFunction, logStreamName: string): Record<string, string> {
  const region = fn.env.AWS_REGION ?? "local";
  return {
    ...fn.env,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: fn.env.AWS_DEFAULT_REGION ?? region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName(fn.name),
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: "/var/task",
    LAMBDA_RUNTIME_DIR: "/var/runtime",
    _HANDLER: fn.handlerName,
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
  };
}

/** The file part of a Handler string (`src/index.handler` → `src/index`), for stack traces. */
export function handlerFile(handlerName: string): string {
  const dot = handlerName.lastIndexOf(".");
  return dot > 0 ? handlerName.slice(0, dot) : "index";
}
