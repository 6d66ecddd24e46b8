/**
 * The events both paths get: the same envelope (`InvokeRequest` v2, source `trigger`, as an event
 * source will send it) and payload `{"n":i}`, published with a fixed number of PubAcks outstanding.
 */
import { randomUUID } from "node:crypto";
import { InvocationType, InvokeSource, LogType, type InvokeRequestInput } from "@fnmesh/protocol";

export type EventRequest = InvokeRequestInput & { invocationType: "Event" };

export interface BenchEvent { requestId: string; n: number; payload: Uint8Array }

const enc = new TextEncoder();

export function makeEvents(count: number): BenchEvent[] {
  return Array.from({ length: count }, (_, n) => ({ requestId: randomUUID(), n, payload: enc.encode(JSON.stringify({ n })) }));
}

/** The event's request, accepted now: `acceptedAt` is stamped right before its publish. */
export function eventRequest(functionName: string, event: BenchEvent): EventRequest {
  return {
    v: 2, requestId: event.requestId, invocationType: InvocationType.Event, logType: LogType.None, function: functionName,
    source: { kind: InvokeSource.Trigger }, attempt: 1, acceptedAt: Date.now(),
  };
}

export interface PublishRun { startedMs: number; endedMs: number; errors: string[] }

/**
 * Calls `publish` for every event with at most `window` awaiting their PubAck; a failure is
 * recorded (the first 20 kept) and the rest go on. `startedMs`/`endedMs` are epoch ms.
 */
export async function publishAll<T>(items: readonly T[], window: number, publish: (item: T) => Promise<unknown>): Promise<PublishRun & { failed: number }> {
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const startedMs = Date.now();
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await publish(item);
      } catch (err) {
        failed++;
        if (errors.length < 20) errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, lane));
  return { startedMs, endedMs: Date.now(), errors, failed };
}
