/**
 * NATS header names and W3C trace context carriage. Every fnmesh message carries `traceparent`
 * (and `tracestate` when present) so one trace spans API → NATS → executor → logs.
 */
import { context, propagation, type Context, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";

/** contract: never rename */
export const Header = {
  RequestId: "Fnmesh-Request-Id",
  /** JetStream de-duplication id; fnmesh sets it to the request id. */
  MsgId: "Nats-Msg-Id",
  /** Why a message was dead-lettered, and the subject it was first published on. */
  DeadLetterReason: "Fnmesh-Dead-Letter-Reason",
  OriginalSubject: "Fnmesh-Original-Subject",
  /** On dead letters: the function, runs so far, and the last error (type and message) that ended it. */
  Function: "Fnmesh-Function",
  Attempts: "Fnmesh-Attempts",
  ErrorType: "Fnmesh-Error-Type",
  ErrorMessage: "Fnmesh-Error-Message",
  /** On dead letters of a destination that could not be reached: its ARN (the body is the record). */
  Destination: "Fnmesh-Destination",
  TraceParent: "traceparent",
  TraceState: "tracestate",
} as const;
export type Header = (typeof Header)[keyof typeof Header];

/** The subset of nats.js `MsgHdrs` the propagators need; keeps this package free of a NATS import. */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
  has(key: string): boolean;
  keys(): string[];
}

const setter: TextMapSetter<HeaderCarrier> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<HeaderCarrier> = {
  get: (carrier, key) => (carrier.has(key) ? carrier.get(key) : undefined),
  keys: (carrier) => carrier.keys(),
};

/** Writes the active (or given) trace context into NATS headers. No-op without a registered propagator. */
export function injectTraceContext(headers: HeaderCarrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, setter);
}

/** Reads trace context from NATS headers into a Context to run the handling span in. */
export function extractTraceContext(headers: HeaderCarrier | undefined, base: Context = context.active()): Context {
  return headers ? propagation.extract(base, headers, getter) : base;
}
