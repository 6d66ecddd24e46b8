/**
 * Core NATS subject mappings through the Lambda API: messages published one after another on a
 * mapped subject, each carrying its publish time; the delay is that time to the handler's start
 * (one Event invocation per message: trigger → async queue → scheduler → executor). The floor is
 * the same messages between two plain NATS clients on the same nats-server: publish → the
 * subscriber's callback. Publishers and the floor's subscriber read `performance.timeOrigin +
 * performance.now()` (µs); the handler can read only whole milliseconds (`Date.now()`), taken at
 * the midpoint of its millisecond (handlerStartMs).
 */
import { CreateEventSourceMappingCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { waitForRuns } from "../async/observe.ts";
import { summarize } from "../stats.ts";
import { handlerStartMs, type SourcesObserver } from "./handler.ts";
import type { DelayResult } from "./types.ts";

const DEADLINE_MS = 10 * 60_000;
export const natsArn = (subject: string) => `arn:fnmesh:nats:us-east-1:000000000000:subject/${subject}`;

const nowMs = () => performance.timeOrigin + performance.now();
const body = (i: number) => JSON.stringify({ i, sentAt: nowMs() });

/** Maps `subject` to `fn`, then publishes warm-up messages (i < 0) until one has run (the trigger subscribed, the function warm). */
export async function mapSubject(o: {
  lambda: LambdaClient; nc: NatsConnection; fn: string; subject: string; observer: SourcesObserver; signal: AbortSignal;
}): Promise<string> {
  const out = await o.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: o.fn, EventSourceArn: natsArn(o.subject) }));
  const deadline = Date.now() + 60_000;
  for (let i = -1; !o.observer.nats.some((r) => r.fn === o.fn && r.i < 0); i--) {
    if (o.signal.aborted) throw new Error("interrupted");
    if (Date.now() > deadline) throw new Error(`no message on ${o.subject} reached ${o.fn} within 60 s`);
    o.nc.publish(o.subject, body(i));
    await new Promise((r) => setTimeout(r, 200));
  }
  // Let warm-up messages still queued run before measuring.
  await new Promise((r) => setTimeout(r, 1_000));
  return out.UUID ?? "";
}

function delays(sent: number, received: { i: number; sentAt: number; start: number }[]): DelayResult {
  const seen = new Set<number>();
  let total = 0;
  const samples: number[] = [];
  for (const r of received) {
    if (r.i < 0) continue;
    total++;
    if (seen.has(r.i)) continue;
    seen.add(r.i);
    samples.push(r.start - r.sentAt);
  }
  return { sent, received: seen.size, duplicates: total - seen.size, delayMs: summarize(samples), delaySamples: samples };
}

async function publishPaced(nc: NatsConnection, subject: string, count: number, pauseMs: number, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (signal.aborted) throw new Error("interrupted");
    nc.publish(subject, body(i));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** `count` messages `pauseMs` apart on the mapped `subject`: publish → handler start of `fn`. */
export async function measureNatsMapping(o: {
  nc: NatsConnection; fn: string; subject: string; count: number; pauseMs: number; idleTimeoutMs: number;
  observer: SourcesObserver; signal: AbortSignal;
}): Promise<DelayResult> {
  const mine = () => o.observer.nats.filter((r) => r.fn === o.fn && r.i >= 0);
  await publishPaced(o.nc, o.subject, o.count, o.pauseMs, o.signal);
  await waitForRuns({
    done: () => new Set(mine().map((r) => r.i)).size >= o.count,
    progress: () => o.observer.nats.length, idleTimeoutMs: o.idleTimeoutMs, deadlineMs: DEADLINE_MS, signal: o.signal,
  });
  return delays(o.count, mine().map((r) => ({ ...r, start: handlerStartMs(r.start) })));
}

/** The floor: the same messages from `nc` to a subscriber on its own connection. */
export async function measureNatsFloor(o: {
  nc: NatsConnection; natsUrl: string; subject: string; count: number; pauseMs: number; idleTimeoutMs: number; signal: AbortSignal;
}): Promise<DelayResult> {
  const sub = await connect({ servers: o.natsUrl, name: "fnmesh-bench-floor-subscriber", noAsyncTraces: true });
  try {
    const received: { i: number; sentAt: number; start: number }[] = [];
    sub.subscribe(o.subject, {
      callback: (_err, msg) => {
        const start = nowMs();
        const m = msg.json<{ i: number; sentAt: number }>();
        received.push({ i: m.i, sentAt: m.sentAt, start });
      },
    });
    await sub.flush();
    await publishPaced(o.nc, o.subject, o.count, o.pauseMs, o.signal);
    // Anything that never came is reported as received < sent.
    await waitForRuns({
      done: () => received.length >= o.count, progress: () => received.length,
      idleTimeoutMs: o.idleTimeoutMs, deadlineMs: DEADLINE_MS, signal: o.signal,
    });
    return delays(o.count, received);
  } finally {
    await sub.close();
  }
}
