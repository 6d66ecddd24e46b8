/**
 * pgoutput sends column values in PostgreSQL's text output form; this turns them into typed JSON
 * by the column's type OID. The replication session fixes the output styles the parsers rely on
 * (REPLICATION_SESSION_OPTIONS: UTC, ISO dates, ISO 8601 intervals, hex bytea, shortest exact floats).
 *
 *   bool → true/false; int2, int4, oid → number; int8, numeric, money → string (exact: JSON numbers
 *   lose precision past 2^53 and beyond 17 digits); float4, float8 → number, or "NaN"/"Infinity"/"-Infinity";
 *   json, jsonb → parsed JSON; bytea → base64; timestamptz → ISO 8601 UTC with microseconds
 *   (`2026-12-05T07:56:21.123456Z`); timestamp → ISO 8601 without zone; date, time, timetz, uuid,
 *   text and every other type → its text form; ±infinity timestamps → "infinity"/"-infinity";
 *   one-dimensional and nested arrays of these → JSON arrays (NULL elements → null).
 */
import { parse as parseArray } from "postgres-array";

/** Settings (`-c name=value`) for the replication connection: text output the parsers below expect. */
export const REPLICATION_SESSION_OPTIONS =
  "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=1";

type Convert = (text: string) => unknown;

const asText: Convert = (t) => t;
const asInt: Convert = (t) => Number.parseInt(t, 10);
const asFloat: Convert = (t) => {
  const n = Number(t);
  return Number.isFinite(n) ? n : t; // "NaN", "Infinity", "-Infinity" stay text: JSON has no such numbers
};
const asBool: Convert = (t) => t === "t";
const asJson: Convert = (t) => JSON.parse(t) as unknown;
const asBytea: Convert = (t) => {
  if (!t.startsWith("\\x")) throw new Error("bytea value not in hex output form");
  return Buffer.from(t.slice(2), "hex").toString("base64");
};
/** `2026-12-05 07:56:21.123456+00` → `2026-12-05T07:56:21.123456Z` (the session runs in UTC). */
const asTimestamptz: Convert = (t) => {
  if (t === "infinity" || t === "-infinity") return t;
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)\+00$/.exec(t);
  return m ? `${m[1]}T${m[2]}Z` : t; // BC dates and other rarities keep PostgreSQL's text
};
const asTimestamp: Convert = (t) => {
  if (t === "infinity" || t === "-infinity") return t;
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)$/.exec(t);
  return m ? `${m[1]}T${m[2]}` : t;
};

/** Built-in scalar types by OID (pg_type.dat); anything else arrives as text. */
const SCALARS = new Map<number, Convert>([
  [16, asBool], [17, asBytea], [20, asText], [21, asInt], [23, asInt], [26, asInt],
  [114, asJson], [700, asFloat], [701, asFloat], [790, asText], [1114, asTimestamp], [1184, asTimestamptz],
  [1700, asText], [3802, asJson],
]);

/** Built-in array types by OID → their element type. */
const ARRAYS = new Map<number, number>([
  [1000, 16], [1001, 17], [1016, 20], [1005, 21], [1007, 23], [1028, 26], [199, 114], [1021, 700], [1022, 701],
  [791, 790], [1115, 1114], [1185, 1184], [1231, 1700], [3807, 3802],
  // text-like arrays: elements stay text
  [1009, 25], [1015, 1043], [1014, 1042], [2951, 2950], [1182, 1082], [1183, 1083], [1270, 1266], [1187, 1186], [1003, 19],
]);

/**
 * The converter for a column type. `typeName` comes from pgoutput's Type message for non-built-in
 * types: a name starting with `_` is an array (of text elements, e.g. an enum's array).
 */
export function converterFor(typeOid: number, typeName?: string): Convert {
  const scalar = SCALARS.get(typeOid);
  if (scalar) return scalar;
  const element = ARRAYS.get(typeOid);
  if (element !== undefined) {
    const convert = SCALARS.get(element) ?? asText;
    return (t) => parseArray(t, convert);
  }
  if (typeName?.startsWith("_")) return (t) => parseArray(t, asText);
  return asText;
}
