/** A stored function as invocations see it: the FunctionSpec an executor gets, plus name, revision and state. */
import { DEFAULT_EVENT_INVOKE_CONFIG, FunctionState, type EventInvokeConfig, type FunctionSpec, type FunctionView } from "@fnmesh/protocol";
import type { FunctionRecord } from "@fnmesh/store";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { functionArn } from "../lambda/function-name.ts";

export function toFunctionSpec(fn: FunctionRecord, account: AccountInfo): FunctionSpec {
  return {
    name: fn.name, arn: functionArn(account.region, account.accountId, fn.name), version: "$LATEST",
    revisionId: fn.revisionId, runtime: fn.runtime, handler: fn.handler, memoryMb: fn.memoryMb,
    timeoutSec: fn.timeoutSec, env: fn.env, codeSha256: fn.codeSha256, code: fn.codeRef,
  };
}

/** The settings the scheduler applies: what was put, with Lambda's defaults for members left out. */
function effectiveEventInvokeConfig(stored: NonNullable<FunctionRecord["eventInvokeConfig"]>): EventInvokeConfig {
  return {
    maximumRetryAttempts: stored.maximumRetryAttempts ?? DEFAULT_EVENT_INVOKE_CONFIG.maximumRetryAttempts,
    maximumEventAgeSec: stored.maximumEventAgeSec ?? DEFAULT_EVENT_INVOKE_CONFIG.maximumEventAgeSec,
    ...(stored.onSuccess !== undefined ? { onSuccess: stored.onSuccess } : {}),
    ...(stored.onFailure !== undefined ? { onFailure: stored.onFailure } : {}),
  };
}

export function toFunctionView(fn: FunctionRecord, account: AccountInfo): FunctionView {
  return {
    v: 1, name: fn.name, revisionId: fn.revisionId, state: FunctionState.Active, spec: toFunctionSpec(fn, account),
    ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: fn.reservedConcurrency } : {}),
    ...(fn.eventInvokeConfig !== undefined ? { eventInvokeConfig: effectiveEventInvokeConfig(fn.eventInvokeConfig) } : {}),
  };
}
