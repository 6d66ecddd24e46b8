/**
 * Runs a conformance table: each row names an expression, a time zone, an instant and the fire
 * times that follow it, worked out by hand from AWS's documents (each row says which). Not exported
 * from the package: tests import it by path.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nextFireTimes } from "../next.ts";
import { parseScheduleExpression } from "../parse.ts";

export interface FireRow {
  expression: string;
  /** IANA zone; UTC when absent. */
  timezone?: string;
  /** ISO instant; fires strictly after it are listed. */
  after: string;
  /** How many to ask for; `want.length` when absent (ask for more to check the schedule ends). */
  count?: number;
  window?: { createdAt?: string; startDate?: string; endDate?: string };
  /** ISO instants, UTC. */
  want: string[];
  /** Where the expectation comes from, and the reasoning. */
  why: string;
}

const date = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

export function runFireTable(rows: readonly FireRow[]): void {
  for (const row of rows) {
    const zone = row.timezone ?? "UTC";
    const ask = row.count ?? row.want.length;
    const bounds = Object.entries(row.window ?? {}).map(([k, v]) => ` ${k} ${v}`).join("");
    const ends = ask > row.want.length ? ", then none" : "";
    test(`${row.expression} in ${zone} after ${row.after}${bounds}: ${row.want.length} fire time(s)${ends}`, () => {
      const schedule = parseScheduleExpression(row.expression, row.timezone);
      const window = { createdAt: date(row.window?.createdAt), startDate: date(row.window?.startDate), endDate: date(row.window?.endDate) };
      const got = nextFireTimes(schedule, new Date(row.after), ask, window).map((d) => d.toISOString());
      assert.deepEqual(got, row.want.map((iso) => new Date(iso).toISOString()), row.why);
    });
  }
}
