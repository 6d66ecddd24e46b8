/**
 * Next fire times of a cron schedule. croner (a maintained cron library, see README) finds the wall
 * clock times the fields match; it evaluates them in UTC, where no clock ever jumps, so its own DST
 * rules never apply. This file then reads each wall time in the schedule's zone as the EventBridge
 * Scheduler User Guide ("Daylight savings time on EventBridge Scheduler") says:
 *
 *   "When time shifts forward in the Spring, if a cron expression falls on a non-existent date and
 *    time, your schedule invocation is skipped. When time shifts backwards in the Fall, your
 *    schedule runs only once and does not repeat its invocation. The following invocations occur
 *    normally at the specified date and time."
 *   Example, cron(30 2 * * ? *) in America/Los_Angeles: "EventBridge Scheduler skips the schedule
 *    invocation on that day, and resumes running the schedule normally the following day" and, in
 *    the Fall, "runs the schedule only once at 2:30 a.m. before the shift occurs".
 *
 * So a wall time inside a spring-forward gap is dropped, and one inside a fall-back overlap fires at
 * its first (pre-shift) instant only. That rule applies to every cron schedule, hourly ones too.
 */
import { Cron } from "croner";
import { instantsOf, wallAt } from "./timezone.ts";
import type { CronFields, CronSchedule, DayOfMonth, DayOfWeek } from "./types.ts";

/** `1,2,3,7` → `1-3,7`; the field's full range → `*`. */
function render(values: readonly number[], fullSize: number): string {
  if (values.length === fullSize) return "*";
  const runs: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === (values[j] ?? 0) + 1) j++;
    runs.push(i === j ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return runs.join(",");
}

function renderDayOfMonth(dom: DayOfMonth): string {
  switch (dom.kind) {
    case "any":
      return "*";
    case "days":
      return render(dom.days, 31);
    case "last":
      return "L";
    case "lastWeekday":
      return "LW";
    case "nearestWeekday":
      return `${dom.day}W`;
  }
}

/** croner's `alternativeWeekdays` numbers days as Quartz and AWS do: 1 = SUN … 7 = SAT. */
function renderDayOfWeek(dow: DayOfWeek): string {
  switch (dow.kind) {
    case "any":
      return "*";
    case "days":
      return render(dow.days, 7);
    case "last":
      return `${dow.day}L`;
    case "nth":
      return `${dow.day}#${dow.nth}`;
  }
}

/** The croner pattern (seconds first, year last) equivalent to the AWS fields. */
export function toCronerPattern(f: CronFields): string {
  // The year is always explicit so croner stops searching at 2199, AWS's last year.
  const years = render(f.years, -1);
  return ["0", render(f.minutes, 60), render(f.hours, 24), renderDayOfMonth(f.dayOfMonth), render(f.months, 12), renderDayOfWeek(f.dayOfWeek), years].join(" ");
}

const jobs = new WeakMap<CronFields, Cron>();

function job(fields: CronFields): Cron {
  let found = jobs.get(fields);
  if (!found) {
    // utcOffset 0: walls are encoded as UTC, and croner must not apply a zone of its own.
    // domAndDow: one day field is always "*" (from "?"), so AND selects exactly the other one.
    found = new Cron(toCronerPattern(fields), { utcOffset: 0, mode: "7-part", alternativeWeekdays: true, domAndDow: true });
    jobs.set(fields, found);
  }
  return found;
}

/** Fire instants (epoch ms) strictly after `afterMs`, ascending, until the years run out. */
export function* cronFireTimes(schedule: CronSchedule, afterMs: number): Generator<number> {
  const cron = job(schedule.fields);
  // Every wall time before wall(after) maps to an instant at or before `after`, so start there.
  let cursor = wallAt(afterMs, schedule.timezone) - 1000;
  for (;;) {
    const next = cron.nextRun(new Date(cursor));
    if (!next) return;
    const wall = next.getTime();
    cursor = wall;
    const [first] = instantsOf(wall, schedule.timezone);
    if (first === undefined) continue; // spring forward: this wall time does not exist today
    if (first > afterMs) yield first; // fall back: only the first of the two instants
  }
}
