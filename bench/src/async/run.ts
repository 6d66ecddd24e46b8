/**
 * The async section: Event invocations end to end through fnmesh, next to a floor in the same run.
 *
 * 1. accepted: wrk replays a signed `Event` Invoke through the Lambda API (accepted.ts); every 202
 *    must then run exactly once.
 * 2. completed: N events enqueued through `createInvokeClient(nc).enqueue` (the path triggers use),
 *    from the first enqueue to the last REPORT line (observe.ts), with accept→start delay per event.
 * 3. floor: with fnmesh's services stopped, the same N events through a bare JetStream consumer that
 *    calls the handler in-process (floor.ts).
 * CPU per process is read around runs 2 and 3 (cpu.ts); `--cpu-prof` adds V8 profiles of the services.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { consumers } from "@fnmesh/protocol";
import { createInvokeClient } from "@fnmesh/invoke";
import { createFunction, handlerSource, lambdaClient } from "../sdk-bench.ts";
import { startStack } from "../stack.ts";
import { summarize } from "../stats.ts";
import { acceptedCount, measureAccepted } from "./accepted.ts";
import { measureSyncCeiling } from "./ceiling.ts";
import { diffCpu, readCpu } from "./cpu.ts";
import { runFloor } from "./floor.ts";
import { perEvent, readNatsCounters } from "./nats-counters.ts";
import { observeRuns, waitForRuns, type RunObserver } from "./observe.ts";
import { monotonicUs, summarizeProfiles, type ProfileWindow } from "./profile.ts";
import { eventRequest, makeEvents, publishAll } from "./publish.ts";
import type { AcceptedResult, AsyncResults, AsyncSettings, PathResult } from "./types.ts";

export const defaultAsyncSettings: AsyncSettings = {
  events: 20_000, publishWindow: 256, acceptSeconds: 5, acceptConnections: 32, floorBatch: 256,
  ceilingCalls: 10_000, ceilingWindow: 32, executors: 1, idleTimeoutMs: 10_000,
};
const DEADLINE_MS = 10 * 60_000;

export interface AsyncBenchOptions {
  root: string;
  /** A private temp dir (Lua script, the floor's handler file). */
  tmp: string;
  prefix: string;
  settings: AsyncSettings;
  /** Write V8 CPU profiles of the services here and summarize them. */
  cpuProfDir?: string;
  signal: AbortSignal;
  say: (msg: string) => void;
  onStop: (stop: () => Promise<unknown>) => void;
}

/** Runs of request ids in `ids` (or, with `exclude`, of every other id): completed, duplicate runs. */
function tally(observer: RunObserver, ids: ReadonlySet<string>, exclude: boolean) {
  let completed = 0;
  let duplicates = 0;
  let lastReportMs = Number.NaN;
  for (const [id, r] of observer.runs) {
    if (ids.has(id) === exclude) continue;
    if (r.reports > 0) {
      completed++;
      lastReportMs = Number.isNaN(lastReportMs) ? r.reportMs : Math.max(lastReportMs, r.reportMs);
    }
    duplicates += Math.max(0, Math.max(r.starts, r.reports) - 1);
  }
  return { completed, duplicates, lastReportMs };
}

export async function measureAsync(o: AsyncBenchOptions): Promise<AsyncResults> {
  const s = o.settings;
  o.say(`starting fnmesh: nats-server, PostgreSQL, executor, scheduler, trigger, ingest${o.cpuProfDir ? ` (CPU profiles into ${o.cpuProfDir})` : ""}`);
  if (o.cpuProfDir) await mkdir(o.cpuProfDir, { recursive: true });
  const stack = await startStack(o.root, { executors: s.executors, ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}) });
  o.onStop(() => stack.stop());
  const client = lambdaClient(stack.endpoint, stack.credentials);
  o.onStop(async () => client.destroy());
  const fn = `${o.prefix}-async`;
  await createFunction(client, fn);
  const nc = await connect({ servers: stack.natsUrl, name: "fnmesh-bench", noAsyncTraces: true });
  o.onStop(() => nc.close());
  const observer = await observeRuns(nc, fn);
  const errors = observer.problems;
  const wait = (done: () => boolean) => waitForRuns({
    done, progress: observer.reportLines, idleTimeoutMs: s.idleTimeoutMs, deadlineMs: DEADLINE_MS, signal: o.signal,
  });

  // 1. Accepted through the Lambda API; each 202 must then run once. They warm the whole path too.
  o.say(`accepted: wrk -c${s.acceptConnections} for ${s.acceptSeconds} s of signed Event invokes`);
  const windows: ProfileWindow[] = [];
  const acceptFromUs = monotonicUs();
  const wrk = await measureAccepted({
    endpoint: stack.endpoint, credentials: stack.credentials, functionName: fn, connections: s.acceptConnections,
    durationS: s.acceptSeconds, scriptPath: join(o.tmp, "async-event.lua"), signal: o.signal,
  });
  const apiAccepted = acceptedCount(wrk.warmup) + acceptedCount(wrk.run);
  windows.push({ phase: "accepted (wrk)", fromUs: acceptFromUs, toUs: monotonicUs(), events: apiAccepted });
  const enqueuedIds = observer.tracked;
  o.say(`accepted: waiting for the ${apiAccepted} accepted events to run`);
  const apiEnded = await wait(() => observer.completed() >= apiAccepted);

  // 2. Completed: N events through the invoke client, observed by their REPORT lines.
  const events = makeEvents(s.events);
  for (const e of events) enqueuedIds.add(e.requestId);
  const acceptedAt = new Map<string, number>();
  const invoker = createInvokeClient(nc);
  o.say(`completed: enqueueing ${s.events} events (${s.publishWindow} in flight) and waiting for their runs`);
  const jsm = await jetstreamManager(nc);
  // The scheduler's consumer counts deliveries: beyond one per event are redeliveries (naks, ack waits).
  const queueInfo = () => jsm.consumers.info(consumers.asyncScheduler.stream, consumers.asyncScheduler.durable)
    .then((i) => ({ deliveries: i.delivered.consumer_seq, streamSeq: i.delivered.stream_seq }), () => undefined);
  const queueBefore = await queueInfo();
  const natsBefore = await readNatsCounters(stack.natsMonitorUrl);
  const cpuBefore = readCpu(stack.pids());
  const completedFromUs = monotonicUs();
  const published = await publishAll(events, s.publishWindow, (e) => {
    const request = eventRequest(fn, e);
    acceptedAt.set(e.requestId, request.acceptedAt);
    return invoker.enqueue(request, e.payload);
  });
  const fnmeshEnded = await wait(() => observer.trackedCompleted() >= s.events - published.failed);
  const cpuFnmesh = diffCpu(cpuBefore, readCpu(stack.pids()), s.events);
  const completedToUs = monotonicUs();
  const natsFnmesh = perEvent(natsBefore, await readNatsCounters(stack.natsMonitorUrl), s.events);
  const queueAfter = await queueInfo();
  const deliveries = queueBefore && queueAfter ? queueAfter.deliveries - queueBefore.deliveries : Number.NaN;
  const redeliveries = queueBefore && queueAfter ? deliveries - (queueAfter.streamSeq - queueBefore.streamSeq) : Number.NaN;
  errors.push(...published.errors.map((e) => `enqueue: ${e}`));

  const api = tally(observer, enqueuedIds, true);
  const accepted: AcceptedResult = {
    warmup: wrk.warmup, run: wrk.run,
    acceptedPerSec: wrk.run.requests > 0 ? (wrk.run.requestsPerSec * acceptedCount(wrk.run)) / wrk.run.requests : 0,
    accepted: apiAccepted, completed: api.completed, duplicates: api.duplicates,
    missing: Math.max(0, apiAccepted - api.completed), extra: Math.max(0, api.completed - apiAccepted), ended: apiEnded,
  };
  const mine = tally(observer, enqueuedIds, false);
  const delays = events.flatMap((e) => {
    const run = observer.runs.get(e.requestId);
    const at = acceptedAt.get(e.requestId);
    return run && !Number.isNaN(run.startMs) && at !== undefined ? [run.startMs - at] : [];
  });
  const fnmesh = pathResult({
    events: s.events, published, completed: mine.completed, duplicates: mine.duplicates, lastMs: mine.lastReportMs,
    delays, wrongAnswers: observer.errorLines(), ended: fnmeshEnded,
  });
  fnmesh.queue = { deliveries, redeliveries };
  await observer.stop();
  windows.push({ phase: "completed (enqueue → run)", fromUs: completedFromUs, toUs: completedToUs, events: mine.completed });

  let ceiling;
  let cpuCeiling;
  let natsCeiling;
  if (s.ceilingCalls > 0) {
    o.say(`ceiling: ${s.ceilingCalls} sync calls through the invoke client, ${s.ceilingWindow} in flight`);
    const calls = makeEvents(s.ceilingCalls);
    const natsAt = await readNatsCounters(stack.natsMonitorUrl);
    const before = readCpu(stack.pids());
    const fromUs = monotonicUs();
    ceiling = await measureSyncCeiling(nc, fn, calls, s.ceilingWindow);
    cpuCeiling = diffCpu(before, readCpu(stack.pids()), s.ceilingCalls);
    natsCeiling = perEvent(natsAt, await readNatsCounters(stack.natsMonitorUrl), s.ceilingCalls);
    windows.push({ phase: "sync calls (reference)", fromUs, toUs: monotonicUs(), events: ceiling.ok });
  }

  // Services stop before the floor, so it gets the machine to itself (nats-server stays up).
  o.say("stopping fnmesh's services (nats-server stays for the floor)");
  await stack.stopServices();
  const profiles = o.cpuProfDir ? await summarizeProfiles(o.cpuProfDir, windows) : undefined;

  // 3. The floor: the same events and handler through a bare consumer.
  const handlerDir = join(o.tmp, "floor-handler");
  await mkdir(handlerDir, { recursive: true });
  const handlerPath = join(handlerDir, "index.mjs");
  await writeFile(handlerPath, handlerSource(fn));
  o.say(`floor: ${s.events} events through a bare JetStream pull consumer calling the handler in-process`);
  const natsOnly = stack.pids().filter((p) => p.name === "nats-server");
  let floorCpuBefore = readCpu(natsOnly);
  let natsFloorBefore: Awaited<ReturnType<typeof readNatsCounters>>;
  const floor = await runFloor({
    nc, natsUrl: stack.natsUrl, tag: o.prefix, functionName: fn, handlerPath, events, publishWindow: s.publishWindow,
    batch: s.floorBatch, idleTimeoutMs: s.idleTimeoutMs, signal: o.signal, beforePublish: () => { floorCpuBefore = readCpu(natsOnly); },
    beforePublishAsync: async () => { natsFloorBefore = await readNatsCounters(stack.natsMonitorUrl); },
  });
  const natsFloor = perEvent(natsFloorBefore, await readNatsCounters(stack.natsMonitorUrl), s.events);
  const cpuFloor = [
    ...diffCpu(floorCpuBefore, readCpu(natsOnly), s.events),
    { name: "floor consumer", cpuMs: floor.cpuMs, perEventUs: (floor.cpuMs * 1000) / s.events },
  ];
  errors.push(...floor.publish.errors.map((e) => `floor publish: ${e}`));
  const floorResult = pathResult({
    events: s.events, published: floor.publish, completed: floor.consumer.completed, duplicates: floor.consumer.duplicates,
    lastMs: floor.consumer.lastDoneMs, delays: floor.consumer.delaysMs, wrongAnswers: floor.consumer.wrongAnswers,
    ended: floor.consumer.idle ? "idle timeout" : "all completed",
  });
  await nc.close();
  await stack.stop();

  return {
    settings: s, accepted, fnmesh, floor: floorResult, ...(ceiling ? { ceiling } : {}),
    cpu: { fnmesh: cpuFnmesh, floor: cpuFloor, ...(cpuCeiling ? { ceiling: cpuCeiling } : {}) },
    natsPerEvent: { fnmesh: natsFnmesh, floor: natsFloor, ceiling: natsCeiling },
    ...(profiles ? { profiles } : {}), errors, serviceLogs: stack.logs(),
  };
}

function pathResult(r: {
  events: number; published: { startedMs: number; endedMs: number; failed: number }; completed: number; duplicates: number;
  lastMs: number; delays: number[]; wrongAnswers: number; ended: PathResult["ended"];
}): PathResult {
  const publishMs = r.published.endedMs - r.published.startedMs;
  const elapsedMs = r.lastMs - r.published.startedMs;
  return {
    events: r.events, publishMs, publishedPerSec: ((r.events - r.published.failed) * 1000) / publishMs, publishErrors: r.published.failed,
    completed: r.completed, duplicates: r.duplicates, missing: Math.max(0, r.events - r.completed),
    elapsedMs, completedPerSec: r.completed > 0 ? (r.completed * 1000) / elapsedMs : 0,
    delay: summarize(r.delays), wrongAnswers: r.wrongAnswers, ended: r.ended, delaySamples: r.delays,
  };
}
