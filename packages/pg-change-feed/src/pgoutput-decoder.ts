/**
 * A decoder of pgoutput's logical replication messages, protocol version 1
 * (postgresql.org/docs/15/protocol-logicalrep-message-formats.html), keeping what the library's
 * parser drops: which columns were unchanged TOAST values (`u`), whether an old tuple is a key (`K`)
 * or the full row (`O`), and the type names of non-built-in types. Values become typed JSON (values.ts).
 * It holds the relations and types announced so far; one decoder per replication connection.
 */
import { converterFor } from "./values.ts";

export type ReplicaIdentity = "default" | "nothing" | "full" | "index";

export interface RelationColumn {
  name: string;
  typeOid: number;
  /** Part of the replica identity (every column under FULL). */
  key: boolean;
  convert: (text: string) => unknown;
}

export interface Relation {
  oid: number;
  schema: string;
  name: string;
  replicaIdentity: ReplicaIdentity;
  columns: RelationColumn[];
}

/** A tuple's typed values, and the columns PostgreSQL left out as unchanged TOAST values. */
export interface Tuple {
  values: Record<string, unknown>;
  unchangedToast: string[];
}

export type DecodedMessage =
  | { tag: "begin"; finalLsn: bigint; commitTimeUs: bigint; xid: number }
  | { tag: "commit"; commitLsn: bigint; endLsn: bigint; commitTimeUs: bigint }
  | { tag: "relation"; relation: Relation }
  | { tag: "type" }
  | { tag: "insert"; relation: Relation; new: Tuple }
  | { tag: "update"; relation: Relation; new: Tuple; old?: Tuple; oldIsKey: boolean }
  | { tag: "delete"; relation: Relation; old: Tuple; oldIsKey: boolean }
  | { tag: "truncate"; relations: Relation[]; cascade: boolean; restartIdentity: boolean }
  | { tag: "ignored" };

/** (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY */
const PG_EPOCH_US = 946_684_800_000_000n;

class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`truncated pgoutput message (need ${n} bytes at ${this.pos} of ${this.buf.length})`);
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error("unterminated string in pgoutput message");
    const s = this.buf.toString("utf8", this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

const IDENTITY: Record<string, ReplicaIdentity> = { d: "default", n: "nothing", f: "full", i: "index" };

export class PgoutputDecoder {
  private readonly relations = new Map<number, Relation>();
  private readonly typeNames = new Map<number, string>();

  /** Decodes one message; throws with a reason for bytes it cannot read. */
  decode(buf: Buffer): DecodedMessage {
    const r = new Reader(buf);
    const tag = String.fromCharCode(r.u8());
    switch (tag) {
      case "B":
        return { tag: "begin", finalLsn: r.u64(), commitTimeUs: r.u64() + PG_EPOCH_US, xid: r.u32() };
      case "C": {
        r.u8(); // flags, unused
        return { tag: "commit", commitLsn: r.u64(), endLsn: r.u64(), commitTimeUs: r.u64() + PG_EPOCH_US };
      }
      case "R":
        return { tag: "relation", relation: this.relation(r) };
      case "Y": {
        const oid = r.u32();
        r.str(); // schema
        this.typeNames.set(oid, r.str());
        return { tag: "type" };
      }
      case "I": {
        const relation = this.known(r.u32());
        const n = String.fromCharCode(r.u8());
        if (n !== "N") throw new Error(`INSERT without a new tuple (${n})`);
        return { tag: "insert", relation, new: this.tuple(r, relation, false) };
      }
      case "U": {
        const relation = this.known(r.u32());
        let kind = String.fromCharCode(r.u8());
        let old: Tuple | undefined;
        const oldIsKey = kind === "K";
        if (kind === "K" || kind === "O") {
          old = this.tuple(r, relation, oldIsKey);
          kind = String.fromCharCode(r.u8());
        }
        if (kind !== "N") throw new Error(`UPDATE without a new tuple (${kind})`);
        const next = this.tuple(r, relation, false);
        return old ? { tag: "update", relation, new: next, old, oldIsKey } : { tag: "update", relation, new: next, oldIsKey: false };
      }
      case "D": {
        const relation = this.known(r.u32());
        const kind = String.fromCharCode(r.u8());
        if (kind !== "K" && kind !== "O") throw new Error(`DELETE with an unknown old tuple kind (${kind})`);
        return { tag: "delete", relation, old: this.tuple(r, relation, kind === "K"), oldIsKey: kind === "K" };
      }
      case "T": {
        const count = r.u32();
        const flags = r.u8();
        const relations = Array.from({ length: count }, () => this.known(r.u32()));
        return { tag: "truncate", relations, cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0 };
      }
      case "O": // origin
      case "M": // logical decoding message (not requested)
        return { tag: "ignored" };
      default:
        throw new Error(`unknown pgoutput message type ${JSON.stringify(tag)}`);
    }
  }

  private known(oid: number): Relation {
    const relation = this.relations.get(oid);
    if (!relation) throw new Error(`change for relation ${oid} before its Relation message`);
    return relation;
  }

  private relation(r: Reader): Relation {
    const oid = r.u32();
    const schema = r.str();
    const name = r.str();
    const ident = String.fromCharCode(r.u8());
    const replicaIdentity = IDENTITY[ident];
    if (!replicaIdentity) throw new Error(`unknown replica identity ${JSON.stringify(ident)}`);
    const n = r.i16();
    const columns: RelationColumn[] = [];
    for (let i = 0; i < n; i++) {
      const flags = r.u8();
      const colName = r.str();
      const typeOid = r.u32();
      r.i32(); // type modifier
      columns.push({ name: colName, typeOid, key: (flags & 1) !== 0, convert: converterFor(typeOid, this.typeNames.get(typeOid)) });
    }
    const relation = { oid, schema, name, replicaIdentity, columns };
    this.relations.set(oid, relation);
    return relation;
  }

  /** A TupleData; for a key tuple (`K`) only the identity's columns are kept (the rest are sent as NULL). */
  private tuple(r: Reader, relation: Relation, keyOnly: boolean): Tuple {
    const n = r.i16();
    if (n > relation.columns.length) throw new Error(`tuple has ${n} columns, relation ${relation.schema}.${relation.name} ${relation.columns.length}`);
    const values: Record<string, unknown> = {};
    const unchangedToast: string[] = [];
    for (let i = 0; i < n; i++) {
      const column = relation.columns[i] as RelationColumn;
      const kind = String.fromCharCode(r.u8());
      let value: unknown;
      switch (kind) {
        case "n":
          value = null;
          break;
        case "u":
          unchangedToast.push(column.name);
          continue;
        case "t": {
          const text = r.bytes(r.i32()).toString("utf8");
          try {
            value = column.convert(text);
          } catch (err) {
            throw new Error(`column ${column.name} (type ${column.typeOid}): ${(err as Error).message}`, { cause: err });
          }
          break;
        }
        case "b":
          throw new Error(`column ${column.name}: binary values were not requested`);
        default:
          throw new Error(`column ${column.name}: unknown value kind ${JSON.stringify(kind)}`);
      }
      if (!keyOnly || column.key) values[column.name] = value;
    }
    return { values, unchangedToast };
  }
}
