/**
 * Wall-clock arithmetic in IANA time zones with only `Intl` (no tz database of our own). A "wall"
 * is a local date-time encoded as if it were UTC milliseconds, so walls compare and add like numbers.
 */
import { invalidTimezone } from "./errors.ts";
import type { LocalDateTime } from "./types.ts";

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * Checks `ScheduleExpressionTimezone`: 1-50 characters (CreateSchedule's length constraint), a name
 * from the IANA database as `Intl` knows it. `Intl` also takes UTC offsets such as `+05:00`; those are
 * not IANA names, so they are refused.
 */
export function validateTimezone(timezone: string): void {
  if (timezone.length < 1 || timezone.length > 50) throw invalidTimezone(timezone, "must be 1-50 characters");
  if (!/^[A-Za-z]/.test(timezone)) throw invalidTimezone(timezone, "not an IANA time zone name");
  try {
    formatter(timezone);
  } catch {
    throw invalidTimezone(timezone, "unknown to the IANA time zone database");
  }
}

/** The wall clock in `timezone` at `instantMs`, to the second. */
export function wallAt(instantMs: number, timezone: string): number {
  const parts = formatter(timezone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const year = get("year");
  // en-US writes years before 1 CE as "1 BC"-style; schedules never reach them, so no era handling.
  return Date.UTC(year, get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
}

/** UTC offset (wall minus instant) in force at `instantMs`, whole seconds. */
function offsetAt(instantMs: number, timezone: string): number {
  const floored = Math.floor(instantMs / 1000) * 1000;
  return wallAt(floored, timezone) - floored;
}

/**
 * Every instant whose wall clock in `timezone` is `wall`, ascending: none in a spring-forward gap,
 * two in a fall-back overlap, one otherwise. Offsets are sampled a day either side, which covers any
 * zone with at most one transition a day (all of today's IANA zones).
 */
export function instantsOf(wall: number, timezone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY_MS, timezone), offsetAt(wall, timezone), offsetAt(wall + DAY_MS, timezone)]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = wall - offset;
    if (wallAt(instant, timezone) === wall) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/** The offset in force just before `wall` (a day earlier suffices): used to read a wall time that a gap skips. */
export function offsetBefore(wall: number, timezone: string): number {
  return offsetAt(wall - DAY_MS, timezone);
}

export function wallOf(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}
