/**
 * Subject families with their message schemas and delivery. Handlers decode through these entries,
 * so raw JSON never reaches logic.
 */
import { subjects } from "./subjects.ts";
import { InvokeRequest, InvokeResult } from "./schemas/invocation.ts";
import { LogBatch } from "./schemas/log.ts";
import { HealthReply } from "./schemas/health.ts";

export const Delivery = { Request: "request", JetStream: "jetstream", Publish: "publish" } as const;
export type Delivery = (typeof Delivery)[keyof typeof Delivery];

export const catalog = {
  invoke: { subject: subjects.invoke, delivery: Delivery.Request, request: InvokeRequest, reply: InvokeResult, framed: true },
  asyncInvoke: { subject: subjects.async, delivery: Delivery.JetStream, message: InvokeRequest, framed: true },
  logs: { subject: subjects.logs, delivery: Delivery.Publish, message: LogBatch, framed: false },
  health: { subject: subjects.health, delivery: Delivery.Request, reply: HealthReply, framed: false },
} as const;
