/**
 * Invoke: POST /2015-03-31/functions/{name}/invocations with Lambda's headers
 * (X-Amz-Invocation-Type, X-Amz-Log-Type, X-Amz-Client-Context) and response headers
 * (X-Amz-Function-Error, X-Amz-Log-Result, X-Amz-Executed-Version).
 */
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import {
  Component, ErrorCode, FnmeshError, fromWire, InvocationType, InvokeSource, Limits, LogType,
  type FunctionView, type WireError,
} from "@fnmesh/protocol";
import type { IngestEnv, IngestResources } from "../context.ts";
import { invalidParameter, LambdaApiError } from "./errors.ts";
import { parseFunctionRef } from "./function-name.ts";
import { API, functionNotFound } from "./function-routes.ts";

const INVOCATION_TYPES = ["RequestResponse", "Event", "DryRun"] as const;
const MAX_CLIENT_CONTEXT_BYTES = 3583;
const isInvocationType = (v: string): v is (typeof INVOCATION_TYPES)[number] => (INVOCATION_TYPES as readonly string[]).includes(v);

/**
 * The function the request names, from the resolver's memory: a 404 before anything is sent, and
 * the revision this replica has seen (the executor resolves again, at least that new). The invoke
 * path never reads PostgreSQL. Only $LATEST exists until versions land.
 */
function resolveFunction(res: IngestResources, rawName: string, queryQualifier?: string): FunctionView {
  const ref = parseFunctionRef(rawName);
  const qualifier = queryQualifier ?? ref.qualifier;
  const view = qualifier === undefined || qualifier === "$LATEST" ? res.resolver.resolve(ref.name) : undefined;
  if (!view) throw functionNotFound(res, ref.name, qualifier);
  return view;
}

function eventPayload(body: Uint8Array): Uint8Array {
  if (body.length === 0) return new TextEncoder().encode("{}");
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (err) {
    throw new LambdaApiError(400, "InvalidRequestContentException", `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`);
  }
  return body;
}

export function registerInvokeRoute(app: Hono<IngestEnv>, res: IngestResources): void {
  app.post(`${API}/:name/invocations`, async (c) => {
    c.set("op", "Invoke");
    const typeHeader = c.req.header("x-amz-invocation-type") ?? "RequestResponse";
    if (!isInvocationType(typeHeader)) {
      throw invalidParameter(`Value '${typeHeader}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${INVOCATION_TYPES.join(", ")}]`);
    }
    const logType = c.req.header("x-amz-log-type") ?? LogType.None;
    if (logType !== LogType.None && logType !== LogType.Tail) {
      throw invalidParameter(`Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
    }
    const clientContext = c.req.header("x-amz-client-context");
    if (clientContext !== undefined && Buffer.byteLength(clientContext) > MAX_CLIENT_CONTEXT_BYTES) {
      throw invalidParameter(`Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes`);
    }

    const fn = resolveFunction(res, c.req.param("name"), c.req.query("Qualifier"));
    const qualified = (c.req.query("Qualifier") ?? parseFunctionRef(c.req.param("name")).qualifier) !== undefined;
    c.set("functionName", fn.name);
    const body = c.get("body");
    if (typeHeader === InvocationType.Event && body.length > Limits.asyncPayloadBytes) {
      throw new FnmeshError(ErrorCode.PayloadTooLarge, Component.Ingest,
        `Request must be smaller than ${Limits.asyncPayloadBytes} bytes for the InvokeFunction operation`);
    }
    const payload = eventPayload(body);
    if (typeHeader === "DryRun") return c.body(null, 204);

    const requestId = randomUUID();
    c.header("x-amzn-RequestId", requestId);
    const common = {
      v: 2 as const, requestId, logType, function: fn.name, viewRevision: res.resolver.revisionOf(fn.name),
      source: { kind: InvokeSource.Api }, attempt: 1, acceptedAt: Date.now(), ...(clientContext ? { clientContext } : {}),
      ...(qualified ? { qualified: true as const } : {}),
    };

    if (typeHeader === InvocationType.Event) {
      await res.invoker.enqueue({ ...common, invocationType: InvocationType.Event }, payload);
      return c.body(null, 202);
    }

    const { result, body: out } = await res.invoker.call({ ...common, invocationType: InvocationType.RequestResponse }, payload,
      { functionTimeoutSec: fn.spec.timeoutSec });
    if (result.status === "error") throw fromWire(result.error as WireError);
    c.header("X-Amz-Executed-Version", result.executedVersion);
    if (result.logTail !== undefined) c.header("X-Amz-Log-Result", result.logTail);
    if (result.status === "function_error") c.header("X-Amz-Function-Error", "Unhandled");
    c.header("Content-Type", "application/json");
    return c.body(out as Uint8Array<ArrayBuffer>, 200);
  });
}
