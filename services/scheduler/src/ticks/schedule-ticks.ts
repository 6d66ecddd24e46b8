/**
 * Schedule ticks: every replica watches SCHEDULES_BUCKET; the one holding the lease (lease.ts)
 * fires due ticks. Each tick is ONE Event invocation through the invoke client, with a request id
 * derived from the schedule and the tick (tick-event.ts), so a second publish of the same tick —
 * by a leader that overlapped another, or after a crash between the publish and recording it —
 * is dropped by FNMESH_ASYNC's duplicate window. After the publish the tick is recorded in
 * SCHEDULER_BUCKET by compare-and-set; a leader that loses that race reads the record again.
 * Missed ticks follow the policy in tick-planner.ts. A spent schedule with ActionAfterCompletion
 * DELETE is handed back to ingest (`fnmesh.registry.schedule-completed`) to delete.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { createInvokeClient, type InvokeClient } from "@fnmesh/invoke";
import { InvocationType, InvokeSource, LogType, scheduleKeys, subjects, type ScheduleCompleted } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import { openScheduleBuckets } from "./buckets.ts";
import { startLease } from "./lease.ts";
import { watchScheduleViews, type WatchedSchedule } from "./schedule-views.ts";
import { scheduledEvent, targetFunctionName, tickRequestId } from "./tick-event.ts";
import { planTicks } from "./tick-planner.ts";

export interface TicksConfig {
  /** This replica's name in the lease. */
  holder: string;
  leaseMs: number;
  renewMs: number;
  /** Between passes over the schedules. */
  tickMs: number;
  /** Missed ticks older than this are skipped (tick-planner.ts). */
  catchUpMs: number;
}

export interface ScheduleTicksDeps {
  nc: NatsConnection;
  config: TicksConfig;
  replicas: number;
  log: Logger;
  invoker?: InvokeClient;
  now?: () => number;
}

/** Ticks per schedule per pass; the rest come next pass, so one schedule's backlog never starves others. */
const MAX_TICKS_PER_PASS = 50;
const COMPLETION_TIMEOUT_MS = 5_000;
const encoder = new TextEncoder();

interface LastTick { tick: number | undefined; revision: number }

export async function startScheduleTicks(deps: ScheduleTicksDeps): Promise<{ stop(): Promise<void> }> {
  const { nc, config } = deps;
  const log = deps.log.child({ component: "schedule-ticks" });
  const now = deps.now ?? Date.now;
  const invoker = deps.invoker ?? createInvokeClient(nc);
  const buckets = await openScheduleBuckets(nc, deps.replicas);
  const views = watchScheduleViews(buckets.schedules, log);
  // Read through from KV once per leadership: another leader may have fired ticks in between.
  const lastTicks = new Map<string, LastTick>();
  const completing = new Map<string, number>();
  const lease = startLease({
    kv: buckets.state, holder: config.holder, leaseMs: config.leaseMs, renewMs: config.renewMs, log, now,
    onChange: () => lastTicks.clear(),
  });

  async function readLastTick(kv: KV, key: string): Promise<LastTick> {
    const e = await kv.get(key);
    if (!e || e.operation !== "PUT") return { tick: undefined, revision: e?.revision ?? 0 };
    const tick = Number(new TextDecoder().decode(e.value));
    return { tick: Number.isSafeInteger(tick) ? tick : undefined, revision: e.revision };
  }

  async function fire(w: WatchedSchedule, tick: number): Promise<void> {
    const fn = targetFunctionName(w.view.target.arn);
    if (fn === undefined) throw new Error(`target is not a function ARN: ${w.view.target.arn}`);
    const requestId = tickRequestId(w.view.arn, w.view.createdAt, tick);
    const payload = w.view.target.input !== undefined
      ? encoder.encode(w.view.target.input)
      : encoder.encode(JSON.stringify(scheduledEvent(w.view.arn, requestId, tick)));
    const { duplicate } = await invoker.enqueue({
      v: 2, requestId, invocationType: InvocationType.Event, logType: LogType.None, function: fn, qualifier: "$LATEST",
      source: { kind: InvokeSource.Schedule, arn: w.view.arn }, attempt: 1, acceptedAt: now(),
    }, payload);
    log.info("schedule tick fired", { schedule: w.view.name, function: fn, tick: new Date(tick).toISOString(), requestId, duplicate });
  }

  function complete(w: WatchedSchedule): void {
    const key = `${w.key}/${w.view.revision}`;
    if ((completing.get(key) ?? 0) > now()) return;
    completing.set(key, now() + COMPLETION_TIMEOUT_MS);
    const body: ScheduleCompleted = { v: 1, groupName: w.view.groupName, name: w.view.name, revision: w.view.revision };
    nc.request(subjects.scheduleCompleted, JSON.stringify(body), { timeout: COMPLETION_TIMEOUT_MS })
      .then((m) => log.info("completed schedule handed to the registry", { schedule: w.view.name, reply: m.string() }))
      .catch((err: unknown) => log.warn("completed schedule not handed over yet; retrying", { schedule: w.view.name, err }));
  }

  async function passOne(w: WatchedSchedule): Promise<void> {
    if (w.view.state !== "ENABLED") return;
    const key = scheduleKeys.lastTick(w.view.groupName, w.view.name);
    let last = lastTicks.get(key) ?? await readLastTick(buckets.state, key);
    lastTicks.set(key, last);
    const plan = planTicks({
      schedule: w.schedule, lastTick: last.tick, now: now(), catchUpMs: config.catchUpMs, limit: MAX_TICKS_PER_PASS,
      window: {
        createdAt: new Date(w.view.createdAt),
        ...(w.view.startDate !== undefined ? { startDate: new Date(w.view.startDate) } : {}),
        ...(w.view.endDate !== undefined ? { endDate: new Date(w.view.endDate) } : {}),
      },
    });
    if (plan.skipped > 0) log.warn("schedule ticks skipped", { schedule: w.view.name, skipped: plan.skipped, catchUpMs: config.catchUpMs });
    for (const tick of plan.due) {
      if (!lease.isLeader()) return;
      await fire(w, tick);
      const value = encoder.encode(String(tick));
      try {
        const revision = last.revision === 0 ? await buckets.state.create(key, value) : await buckets.state.update(key, value, last.revision);
        last = { tick, revision };
        lastTicks.set(key, last);
      } catch (err) {
        // Another leader recorded a tick since we read: take its record and plan again next pass.
        lastTicks.delete(key);
        log.warn("tick record changed under us; re-reading", { schedule: w.view.name, err });
        return;
      }
    }
    if (plan.finished && w.view.actionAfterCompletion === "DELETE") complete(w);
  }

  async function pass(): Promise<void> {
    if (!lease.isLeader()) return;
    for (const w of [...views.all()]) {
      try {
        await passOne(w);
      } catch (err) {
        lastTicks.delete(scheduleKeys.lastTick(w.view.groupName, w.view.name));
        log.warn("schedule pass failed; retrying next pass", { schedule: w.view.name, err });
      }
    }
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const loop = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => { running = pass().finally(() => { running = undefined; loop(config.tickMs); }); }, delayMs);
  };
  loop(0);
  log.info("schedule ticks started", { holder: config.holder, leaseMs: config.leaseMs, tickMs: config.tickMs, catchUpMs: config.catchUpMs });

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await lease.stop();
      await views.stop();
    },
  };
}
