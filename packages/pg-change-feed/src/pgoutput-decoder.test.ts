/**
 * The pgoutput decoder on messages built by hand from the protocol's byte layout
 * (postgresql.org/docs/15/protocol-logicalrep-message-formats.html): what real PostgreSQL sends is
 * covered by change-feed.test.ts; these cover what it rarely sends (unchanged TOAST in a key-only
 * update, unknown kinds) and bytes that must be refused with a reason rather than misread.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PgoutputDecoder } from "./pgoutput-decoder.ts";

const u8 = (n: number) => Buffer.from([n]);
const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const str = (s: string) => Buffer.concat([Buffer.from(s), u8(0)]);
const ch = (c: string) => Buffer.from(c);
const text = (s: string) => Buffer.concat([ch("t"), i32(Buffer.byteLength(s)), Buffer.from(s)]);

/** Relation 42: public.t (id int4 key, body text, doc jsonb), replica identity default. */
const relation = Buffer.concat([ch("R"), i32(42), str("public"), str("t"), ch("d"), i16(3),
  u8(1), str("id"), i32(23), i32(-1),
  u8(0), str("body"), i32(25), i32(-1),
  u8(0), str("doc"), i32(3802), i32(-1)]);

test("an UPDATE's unchanged TOAST column is reported, not guessed; NULL stays null", () => {
  const d = new PgoutputDecoder();
  d.decode(relation);
  const update = d.decode(Buffer.concat([ch("U"), i32(42), ch("N"), i16(3), text("7"), ch("u"), ch("n")]));
  assert.equal(update.tag, "update");
  if (update.tag !== "update") return;
  assert.deepEqual(update.new.values, { id: 7, doc: null });
  assert.deepEqual(update.new.unchangedToast, ["body"]);
  assert.equal(update.old, undefined);
});

test("a key tuple (K) keeps only identity columns; a full old tuple (O) keeps all", () => {
  const d = new PgoutputDecoder();
  d.decode(relation);
  const del = d.decode(Buffer.concat([ch("D"), i32(42), ch("K"), i16(3), text("7"), ch("n"), ch("n")]));
  assert.ok(del.tag === "delete" && del.oldIsKey);
  assert.deepEqual(del.tag === "delete" && del.old.values, { id: 7 });
  const full = d.decode(Buffer.concat([ch("D"), i32(42), ch("O"), i16(3), text("7"), text("b"), text('{"k":1}')]));
  assert.ok(full.tag === "delete" && !full.oldIsKey);
  assert.deepEqual(full.tag === "delete" && full.old.values, { id: 7, body: "b", doc: { k: 1 } });
});

test("undecodable messages throw a reason: unknown type, change before its relation, truncated bytes, bad value", () => {
  const d = new PgoutputDecoder();
  assert.throws(() => d.decode(ch("Z")), /unknown pgoutput message type "Z"/);
  assert.throws(() => d.decode(Buffer.concat([ch("I"), i32(42), ch("N"), i16(1), text("1")])), /before its Relation message/);
  d.decode(relation);
  assert.throws(() => d.decode(Buffer.concat([ch("I"), i32(42), ch("N"), i16(3), text("1"), ch("t"), i32(10), Buffer.from("ab")])), /truncated/);
  assert.throws(() => d.decode(Buffer.concat([ch("I"), i32(42), ch("N"), i16(3), text("1"), text("b"), text("{not json")])), /column doc \(type 3802\)/);
  assert.throws(() => d.decode(Buffer.concat([ch("I"), i32(42), ch("N"), i16(1), ch("x")])), /unknown value kind "x"/);
});

test("begin and commit carry LSNs and microsecond commit times since the Unix epoch", () => {
  const d = new PgoutputDecoder();
  const lsn = Buffer.alloc(8); lsn.writeBigUInt64BE(0x1_0000_00A0n);
  const end = Buffer.alloc(8); end.writeBigUInt64BE(0x1_0000_00D8n);
  const ts = Buffer.alloc(8); ts.writeBigUInt64BE(1_000_000n); // one second after 2000-01-01
  const begin = d.decode(Buffer.concat([ch("B"), lsn, ts, i32(99)]));
  assert.deepEqual(begin, { tag: "begin", finalLsn: 0x1_0000_00A0n, commitTimeUs: 946_684_801_000_000n, xid: 99 });
  const commit = d.decode(Buffer.concat([ch("C"), u8(0), lsn, end, ts]));
  assert.deepEqual(commit, { tag: "commit", commitLsn: 0x1_0000_00A0n, endLsn: 0x1_0000_00D8n, commitTimeUs: 946_684_801_000_000n });
});
