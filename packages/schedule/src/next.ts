/** `nextFireTimes` / `nextFireTime`: when a parsed schedule fires next, within its window. */
import { atInstant } from "./at.ts";
import { cronFireTimes } from "./cron-next.ts";
import { nextRateTime } from "./rate.ts";
import type { Schedule, ScheduleWindow } from "./types.ts";

function* fireTimes(schedule: Schedule, afterMs: number, window: ScheduleWindow): Generator<number> {
  switch (schedule.kind) {
    case "at": {
      // StartDate and EndDate do not apply to one-time schedules.
      const at = atInstant(schedule.at, schedule.timezone);
      if (at > afterMs) yield at;
      return;
    }
    case "cron": {
      // StartDate: "invocations might occur on, or after" it, so a fire exactly at it counts.
      const start = window.startDate?.getTime();
      yield* cronFireTimes(schedule, start === undefined ? afterMs : Math.max(afterMs, start - 1));
      return;
    }
    case "rate": {
      const anchor = window.startDate ?? window.createdAt;
      if (!anchor) throw new TypeError("a rate() schedule needs window.startDate or window.createdAt to anchor its first fire");
      for (let t = nextRateTime(anchor.getTime(), schedule.intervalMs, afterMs); ; t += schedule.intervalMs) yield t;
    }
  }
}

/**
 * Up to `count` fire times strictly after `after`, ascending, none past `window.endDate` (inclusive:
 * "invocations might stop on, or before, the EndDate"). Cron and at() times are read in the
 * schedule's time zone with EventBridge Scheduler's daylight-saving rules (README). To include a
 * fire exactly at some instant `t`, pass `new Date(t.getTime() - 1)`.
 */
export function nextFireTimes(schedule: Schedule, after: Date, count: number, window: ScheduleWindow = {}): Date[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const end = schedule.kind === "at" ? undefined : window.endDate?.getTime();
  const found: Date[] = [];
  if (count === 0) return found;
  for (const t of fireTimes(schedule, after.getTime(), window)) {
    if (end !== undefined && t > end) break;
    found.push(new Date(t));
    if (found.length === count) break;
  }
  return found;
}

/** The next fire time strictly after `after`, or `undefined` when the schedule has none left. */
export function nextFireTime(schedule: Schedule, after: Date, window: ScheduleWindow = {}): Date | undefined {
  return nextFireTimes(schedule, after, 1, window)[0];
}
