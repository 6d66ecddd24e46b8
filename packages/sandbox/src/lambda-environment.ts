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
 * `process.env` inside the isolate: the variables Lambda sets for a Node.js function, with the
 * values it gives them (AWS Lambda Developer Guide, "Defined runtime environment variables"; the
 * runtime's bootstrap for NODE_PATH; PWD and SHLVL as recorded on AWS), plus the function's own.
 * The function may override the unreserved ones (PATH, LANG, LD_LIBRARY_PATH, NODE_PATH, PWD,
 * SHLVL); Lambda's reserved names win. AWS_REGION and AWS_DEFAULT_REGION are the region in the
 * function's ARN (the configured region).
 */
export function lambdaEnvironment(fn: SandboxFunction, logStreamName: string): Record<string, string> {
  const region = regionOf(fn.arn) ?? fn.env.AWS_REGION ?? "local";
  const major = /^nodejs(\d+)\.x$/.exec(fn.runtime)?.[1] ?? "24";
  return {
    PATH: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    LANG: "en_US.UTF-8",
    LD_LIBRARY_PATH: "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    NODE_PATH: `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task`,
    // The runtime process's shell leaves these (LocalStack's test_lambda_common snapshot, recorded on AWS).
    PWD: "/var/task",
    SHLVL: "0",
    ...fn.env,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName(fn.name),
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: "/var/task",
    LAMBDA_RUNTIME_DIR: "/var/runtime",
    _HANDLER: fn.handlerName,
    TZ: ":UTC",
  };
}

/** `arn:aws:lambda:<region>:<account>:function:<name>` → region; null when `arn` has none. */
function regionOf(arn: string): string | null {
  const region = arn.split(":")[3];
  return region === undefined || region === "" ? null : region;
}

/** The file part of a Handler string (`src/index.handler` → `src/index`), for stack traces. */
export function handlerFile(handlerName: string): string {
  const dot = handlerName.lastIndexOf(".");
  return dot > 0 ? handlerName.slice(0, dot) : "index";
}
