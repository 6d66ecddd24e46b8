/**
 * Lambda's destination record, field for field ("Capturing records of Lambda asynchronous
 * invocations", docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
 * `functionArn` qualified with `$LATEST`, payloads as parsed JSON when they are JSON, and
 * `responseContext` only when the function answered (not for EventAgeExceeded before a run).
 */
import { createHash } from "node:crypto";
import type { DestinationCondition, DestinationRecord, FunctionError } from "@fnmesh/protocol";

export interface RunResponse {
  executedVersion: string;
  /** Present when the function failed: Lambda reports "Unhandled" for thrown errors, timeouts and crashes. */
  functionError?: FunctionError;
  /** The handler's JSON result, or the error document. */
  body: Uint8Array;
}

export interface RecordInput {
  requestId: string;
  /** The function's unqualified ARN (FunctionView.spec.arn). */
  functionArn: string;
  qualifier: string;
  condition: DestinationCondition;
  approximateInvokeCount: number;
  payload: Uint8Array;
  response?: RunResponse;
  now: Date;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** JSON when it parses, else the text (or base64 when not UTF-8): Lambda's payloads are JSON documents. */
export function payloadValue(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  let text: string;
  try { text = utf8.decode(bytes); } catch { return Buffer.from(bytes).toString("base64"); }
  try { return JSON.parse(text) as unknown; } catch { return text; }
}

export function destinationRecord(input: RecordInput): DestinationRecord {
  const r = input.response;
  return {
    version: "1.0",
    timestamp: input.now.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: `${input.functionArn}:${input.qualifier}`,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: payloadValue(input.payload),
    ...(r ? {
      responseContext: { statusCode: 200, executedVersion: r.executedVersion, ...(r.functionError ? { functionError: "Unhandled" } : {}) },
      responsePayload: payloadValue(r.body),
    } : {}),
  };
}

/**
 * A request id derived from another (an RFC 9562 version 8 UUID over SHA-256): the invocation a
 * destination record starts gets the same id when a redelivered event delivers its record again,
 * so JetStream drops the second one.
 */
export function derivedRequestId(of: string): string {
  const h = createHash("sha256").update(of).digest("hex");
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

