import assert from "node:assert/strict";
import { test } from "node:test";
import { converterFor } from "./values.ts";

const OID = { bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, json: 114, float4: 700, float8: 701, ts: 1114, tstz: 1184, numeric: 1700, jsonb: 3802, text: 25, uuid: 2950, int4arr: 1007, textarr: 1009, jsonbarr: 3807, tstzarr: 1185 };
const conv = (oid: number, text: string, typeName?: string) => converterFor(oid, typeName)(text);

test("text values become typed JSON by type OID", () => {
  assert.equal(conv(OID.bool, "t"), true);
  assert.equal(conv(OID.bool, "f"), false);
  assert.equal(conv(OID.int2, "-7"), -7);
  assert.equal(conv(OID.int4, "2147483647"), 2147483647);
  assert.equal(conv(OID.int8, "9223372036854775807"), "9223372036854775807", "int8 stays exact as a string");
  assert.equal(conv(OID.numeric, "12345678901234567890.000000000001"), "12345678901234567890.000000000001");
  assert.equal(conv(OID.float8, "1.5"), 1.5);
  assert.equal(conv(OID.float4, "NaN"), "NaN");
  assert.equal(conv(OID.float8, "-Infinity"), "-Infinity");
  assert.deepEqual(conv(OID.jsonb, '{"a": [1, null, "x"]}'), { a: [1, null, "x"] });
  assert.deepEqual(conv(OID.json, "[1,2]"), [1, 2]);
  assert.equal(conv(OID.bytea, "\\x00ff10"), Buffer.from([0, 255, 16]).toString("base64"));
  assert.equal(conv(OID.tstz, "2026-12-05 07:56:21.123456+00"), "2026-12-05T07:56:21.123456Z");
  assert.equal(conv(OID.tstz, "2026-12-05 07:56:21+00"), "2026-12-05T07:56:21Z");
  assert.equal(conv(OID.tstz, "infinity"), "infinity");
  assert.equal(conv(OID.ts, "2026-12-05 07:56:21.5"), "2026-12-05T07:56:21.5");
  assert.equal(conv(OID.uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  assert.equal(conv(OID.text, "plain"), "plain");
  assert.equal(conv(99999, "(1,2)"), "(1,2)", "unknown types keep their text");
});

test("arrays become JSON arrays of converted elements, NULL elements null", () => {
  assert.deepEqual(conv(OID.int4arr, "{1,NULL,3}"), [1, null, 3]);
  assert.deepEqual(conv(OID.int4arr, "{{1,2},{3,4}}"), [[1, 2], [3, 4]]);
  assert.deepEqual(conv(OID.textarr, '{a,"b,c","NULL",NULL}'), ["a", "b,c", "NULL", null]);
  assert.deepEqual(conv(OID.jsonbarr, '{"{\\"a\\": 1}"}'), [{ a: 1 }]);
  assert.deepEqual(conv(OID.tstzarr, '{"2026-01-01 00:00:00+00"}'), ["2026-01-01T00:00:00Z"]);
  assert.deepEqual(conv(77777, "{happy,sad}", "_mood"), ["happy", "sad"], "an array of a user type (Type message name _mood)");
  assert.deepEqual(conv(OID.int4arr, "{}"), []);
});
