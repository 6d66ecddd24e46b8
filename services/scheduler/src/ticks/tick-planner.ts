/**
 * Which ticks of a schedule are due now. Pure: the caller passes the clock.
 *
 * Missed ticks (policy; copy into the README): the leader fires each tick when it falls due,
 * looking every FNMESH_SCHEDULER_TICK_MS. A tick it could not fire on time — during a leader
 * failover, while every scheduler was down, or while NATS was unreachable — still fires once, late,
 * if it fell due within the last FNMESH_SCHEDULER_CATCHUP_MS (default 5 minutes); missed ticks are
 * fired oldest first, each exactly once. Ticks older than that window are skipped and counted in a
 * log line ("schedule ticks skipped"), so a scheduler that was down for a day does not replay a
 * day's worth of invocations. A disabled schedule fires nothing, and its ticks are not caught up
 * when it is enabled again (they fell due while it was disabled, unless within the window).
 */
import { nextFireTime, type Schedule, type ScheduleWindow } from "@fnmesh/schedule";

export interface TickPlan {
  /** Ticks (epoch ms) to fire now, oldest first. */
  due: number[];
  /** How many older ticks fell out of the catch-up window (counted up to 1,000). */
  skipped: number;
  /** True when the schedule will never fire again after what it fired (and is due now). */
  finished: boolean;
}

export interface PlanInput {
  schedule: Schedule;
  window: ScheduleWindow & { createdAt: Date };
  /** The last tick fired (epoch ms), if any. */
  lastTick: number | undefined;
  now: number;
  catchUpMs: number;
  /** At most this many ticks per plan (the rest come in the next pass). */
  limit: number;
}

/** Counting skipped ticks stops here: only the log line needs the number. */
const SKIP_COUNT_CAP = 1_000;

export function planTicks(input: PlanInput): TickPlan {
  const { schedule, window, now, catchUpMs, limit } = input;
  // A tick exactly at creation counts (a rate() without StartDate fires at once); before it, none.
  const after = Math.max(input.lastTick ?? Number.NEGATIVE_INFINITY, window.createdAt.getTime() - 1);
  const windowStart = now - catchUpMs;
  let skipped = 0;
  if (after < windowStart) {
    // Count (up to a cap) the ticks that fell out of the window, one at a time: asking for many
    // cron times at once computes them all.
    for (let t = nextFireTime(schedule, new Date(after), window); t && t.getTime() <= windowStart && skipped < SKIP_COUNT_CAP; t = nextFireTime(schedule, t, window)) {
      skipped++;
    }
  }
  const from = Math.max(after, windowStart);
  const due: number[] = [];
  for (let t = nextFireTime(schedule, new Date(from), window); t && t.getTime() <= now && due.length < limit; t = nextFireTime(schedule, t, window)) {
    due.push(t.getTime());
  }
  const lastFired = due.at(-1) ?? input.lastTick;
  const finished = lastFired !== undefined && nextFireTime(schedule, new Date(Math.max(lastFired, now)), window) === undefined;
  return { due, skipped, finished };
}
