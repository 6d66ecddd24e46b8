/**
 * The tick planner on an injected clock: the sequence of ticks a leader passing every few seconds
 * fires, for rate(), cron() (minute resolution, so a real-time test would be slow) and at(), and the
 * missed-tick policy. Expected instants are worked out by hand from the expressions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScheduleExpression } from "@fnmesh/schedule";
import { planTicks, type PlanInput } from "./tick-planner.ts";

const T0 = Date.parse("2027-03-01T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Passes every `stepMs` from `from` to `to`, recording fired ticks as a leader would. */
function simulate(input: Omit<PlanInput, "now" | "lastTick">, from: number, to: number, stepMs: number, lastTick?: number): string[] {
  const fired: number[] = [];
  let last = lastTick;
  for (let now = from; now <= to; now += stepMs) {
    const plan = planTicks({ ...input, now, lastTick: last });
    fired.push(...plan.due);
    last = plan.due.at(-1) ?? last;
  }
  return fired.map(iso);
}

test("rate(10 seconds): first at creation, then every 10 s, each once however often the leader looks", () => {
  const schedule = parseScheduleExpression("rate(10 seconds)");
  const input = { schedule, window: { createdAt: new Date(T0) }, catchUpMs: 300_000, limit: 50 };
  const expected = ["10:00:00", "10:00:10", "10:00:20", "10:00:30"].map((t) => `2027-03-01T${t}.000Z`);
  assert.deepEqual(simulate(input, T0, T0 + 35_000, 1_000), expected);
  assert.deepEqual(simulate(input, T0, T0 + 35_000, 3_700), expected);
});

test("cron(*/15 * * * ? *) in a time zone: the quarter hours, none before creation", () => {
  const schedule = parseScheduleExpression("cron(*/15 * * * ? *)", "Asia/Kolkata");
  const input = { schedule, window: { createdAt: new Date(T0 + 1_000) }, catchUpMs: 300_000, limit: 50 };
  assert.deepEqual(simulate(input, T0, T0 + 46 * 60_000, 20_000),
    ["10:15", "10:30", "10:45"].map((t) => `2027-03-01T${t}:00.000Z`));
});

test("cron honours StartDate and EndDate (inclusive)", () => {
  const schedule = parseScheduleExpression("cron(0 * * * ? *)");
  const window = { createdAt: new Date(T0 - 86_400_000), startDate: new Date(T0 + 3_600_000), endDate: new Date(T0 + 3 * 3_600_000) };
  assert.deepEqual(simulate({ schedule, window, catchUpMs: 300_000, limit: 50 }, T0, T0 + 5 * 3_600_000, 60_000),
    ["11:00", "12:00", "13:00"].map((t) => `2027-03-01T${t}:00.000Z`));
});

test("missed ticks within the catch-up window fire late, oldest first; older ones are skipped and counted", () => {
  const schedule = parseScheduleExpression("rate(1 minute)");
  const input = { schedule, window: { createdAt: new Date(T0) }, catchUpMs: 5 * 60_000, limit: 50 };
  // Fired 10:00, then down until 10:20:30: 10:01 … 10:20 fell due; only those after 10:15:30 fire.
  const plan = planTicks({ ...input, lastTick: T0, now: T0 + 20 * 60_000 + 30_000 });
  assert.deepEqual(plan.due.map(iso), ["10:16", "10:17", "10:18", "10:19", "10:20"].map((t) => `2027-03-01T${t}:00.000Z`));
  assert.equal(plan.skipped, 15);
  assert.equal(plan.finished, false);
  // A short gap (a leader failover) loses nothing.
  const gap = planTicks({ ...input, lastTick: T0 + 60_000, now: T0 + 3 * 60_000 + 100 });
  assert.deepEqual([gap.due.map(iso), gap.skipped], [["2027-03-01T10:02:00.000Z", "2027-03-01T10:03:00.000Z"], 0]);
  // The limit leaves the rest for the next pass.
  assert.equal(planTicks({ ...input, limit: 2, lastTick: T0, now: T0 + 4 * 60_000 }).due.length, 2);
});

test("at(): fires once, then is finished; one already past at creation never fires", () => {
  const schedule = parseScheduleExpression("at(2027-03-01T11:30:00)", "Europe/Paris"); // 10:30 UTC
  const window = { createdAt: new Date(T0) };
  const base = { schedule, window, catchUpMs: 300_000, limit: 50 };
  assert.deepEqual(planTicks({ ...base, lastTick: undefined, now: T0 + 29 * 60_000 }), { due: [], skipped: 0, finished: false });
  const due = planTicks({ ...base, lastTick: undefined, now: T0 + 30 * 60_000 + 500 });
  assert.deepEqual([due.due.map(iso), due.finished], [["2027-03-01T10:30:00.000Z"], true]);
  assert.deepEqual(planTicks({ ...base, lastTick: T0 + 30 * 60_000, now: T0 + 40 * 60_000 }), { due: [], skipped: 0, finished: true });
  const late = planTicks({ ...base, window: { createdAt: new Date(T0 + 31 * 60_000) }, lastTick: undefined, now: T0 + 32 * 60_000 });
  assert.deepEqual(late, { due: [], skipped: 0, finished: false });
});
