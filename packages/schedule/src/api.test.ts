/** The public API's shapes and caller-mistake handling, beyond the conformance tables. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nextFireTime, nextFireTimes, parseScheduleExpression } from "./index.ts";

describe("parseScheduleExpression", () => {
  test("a cron expression becomes its expanded fields, with AWS day numbering kept", () => {
    const schedule = parseScheduleExpression("cron(0/30 20-2 ? * MON-FRI *)", "Europe/London");
    assert.equal(schedule.kind, "cron");
    assert.equal(schedule.expression, "cron(0/30 20-2 ? * MON-FRI *)");
    assert.equal(schedule.timezone, "Europe/London");
    if (schedule.kind !== "cron") return;
    assert.deepEqual(schedule.fields.minutes, [0, 30]);
    assert.deepEqual(schedule.fields.hours, [0, 1, 2, 20, 21, 22, 23]);
    assert.deepEqual(schedule.fields.dayOfMonth, { kind: "any" });
    assert.deepEqual(schedule.fields.dayOfWeek, { kind: "days", days: [2, 3, 4, 5, 6] });
    assert.equal(schedule.fields.years.length, 2199 - 1970 + 1);
  });

  test("L, LW, nW, nL and d#n parse to their own kinds", () => {
    const fields = (e: string) => {
      const s = parseScheduleExpression(e);
      assert.equal(s.kind, "cron");
      return s.kind === "cron" ? s.fields : undefined;
    };
    assert.deepEqual(fields("cron(0 0 L * ? *)")?.dayOfMonth, { kind: "last" });
    assert.deepEqual(fields("cron(0 0 lw * ? *)")?.dayOfMonth, { kind: "lastWeekday" });
    assert.deepEqual(fields("cron(0 0 15W * ? *)")?.dayOfMonth, { kind: "nearestWeekday", day: 15 });
    assert.deepEqual(fields("cron(0 0 ? * FRIL *)")?.dayOfWeek, { kind: "last", day: 6 });
    assert.deepEqual(fields("cron(0 0 ? * 3#2 *)")?.dayOfWeek, { kind: "nth", day: 3, nth: 2 });
  });

  test("rate and at parse to value, unit, interval and wall time", () => {
    assert.deepEqual(parseScheduleExpression("rate(3 hours)"), { kind: "rate", expression: "rate(3 hours)", timezone: "UTC", value: 3, unit: "hour", intervalMs: 10_800_000 });
    assert.deepEqual(parseScheduleExpression("at(2027-06-01T08:09:10)", "Asia/Tokyo"), {
      kind: "at",
      expression: "at(2027-06-01T08:09:10)",
      timezone: "Asia/Tokyo",
      at: { year: 2027, month: 6, day: 1, hour: 8, minute: 9, second: 10 },
    });
  });
});

describe("nextFireTimes", () => {
  test("nextFireTime is the first of nextFireTimes, and undefined once a schedule is spent", () => {
    const schedule = parseScheduleExpression("at(2027-06-01T08:00:00)");
    assert.deepEqual(nextFireTime(schedule, new Date("2027-01-01T00:00:00Z")), new Date("2027-06-01T08:00:00Z"));
    assert.equal(nextFireTime(schedule, new Date("2027-06-01T08:00:00Z")), undefined);
  });

  test("a rate schedule without createdAt or startDate is a caller mistake", () => {
    assert.throws(() => nextFireTimes(parseScheduleExpression("rate(1 minute)"), new Date(), 1), TypeError);
  });

  test("count must be a non-negative integer; 0 gives none", () => {
    const schedule = parseScheduleExpression("cron(0 9 * * ? *)");
    assert.deepEqual(nextFireTimes(schedule, new Date(), 0), []);
    assert.throws(() => nextFireTimes(schedule, new Date(), -1), RangeError);
    assert.throws(() => nextFireTimes(schedule, new Date(), 1.5), RangeError);
  });

  test("through a whole year in New York, every-15-minute fires rise strictly and each local wall time fires once", () => {
    const schedule = parseScheduleExpression("cron(0/15 * * * ? *)", "America/New_York");
    const fires = nextFireTimes(schedule, new Date("2027-01-01T04:59:59Z"), 35_100) // from 23:59:59 EST, 31 Dec 2026;
    const walls = new Set<string>();
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", dateStyle: "short", timeStyle: "short", hourCycle: "h23" });
    for (let i = 0; i < fires.length; i++) {
      if (i > 0) assert.ok((fires[i]?.getTime() ?? 0) > (fires[i - 1]?.getTime() ?? 0));
      const wall = local.format(fires[i]);
      assert.ok(!walls.has(wall), `wall time ${wall} fired twice`);
      walls.add(wall);
    }
    // 2027 has 365 days × 96 quarter hours; the spring-forward day loses 4 and the fall-back day repeats none.
    const in2027 = fires.filter((d) => d.getTime() < Date.parse("2028-01-01T05:00:00Z")).length;
    assert.equal(in2027, 365 * 96 - 4);
  });
});
