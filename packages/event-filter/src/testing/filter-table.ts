/** Runs a conformance table: each row compiles one FilterCriteria and checks one record against it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilters } from "../compile-filters.ts";
import type { CompileOptions } from "../types.ts";

export interface FilterRow {
  /** One pattern (written as an object, sent as Lambda's JSON string) or several, ORed. */
  pattern: object | object[];
  record: unknown;
  want: boolean;
  why: string;
  options?: CompileOptions;
}

export function criteriaOf(pattern: object | object[]): { Filters: Array<{ Pattern: string }> } {
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  return { Filters: patterns.map((p) => ({ Pattern: JSON.stringify(p) })) };
}

export function runFilterTable(rows: FilterRow[]): void {
  for (const [i, row] of rows.entries()) {
    test(`#${i} ${row.want ? "passes" : "drops"}: ${row.why}`, () => {
      const pass = compileFilters(criteriaOf(row.pattern), row.options);
      assert.equal(pass(row.record), row.want, JSON.stringify({ pattern: row.pattern, record: row.record }));
    });
  }
}

/** Base64 of a JSON value, as Kinesis `data` and fnmesh NATS records carry it. */
export const b64 = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64");
