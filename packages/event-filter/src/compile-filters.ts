/**
 * FilterCriteria to one predicate run per record. Patterns are compiled once; a record's payload
 * (base64 `data`, a `body` string) is decoded at most once per record, and only if a pattern asks.
 *
 * Payload rules follow the Lambda Developer Guide's tables (with-sqs-filtering, "Properly filtering"
 * for Kinesis/DynamoDB): a nested pattern under the payload key needs a JSON payload, else the record
 * is dropped; a plain-string rule needs a non-JSON text payload, else dropped; a base64 payload only
 * takes nested patterns (a plain rule is refused at creation, as Lambda does for Kinesis).
 */
import { invalidPattern } from "./errors.ts";
import { compileObject, isPlainObject, type FieldOf, type Node } from "./compile-pattern.ts";
import { DEFAULT_MAX_FILTERS, parseFilterCriteria, parsePatternJson } from "./parse-criteria.ts";
import { PayloadEncoding, type CompileOptions, type RecordFilter } from "./types.ts";

type Decoded = { json: true; value: unknown } | { json: false; value: unknown };

const NOT_DECODED = Symbol("not decoded");

export function compileFilters(criteria: unknown, options: CompileOptions = {}): RecordFilter {
  const { payloadKey, payloadEncoding = PayloadEncoding.Text, maxFilters = DEFAULT_MAX_FILTERS } = options;
  const parsed = parseFilterCriteria(criteria, maxFilters);
  if (parsed.Filters.length === 0) return () => true;

  // Per-record state, read by the top-level field reader; matching is synchronous, so one slot serves.
  let record: unknown;
  let decoded: Decoded | typeof NOT_DECODED = NOT_DECODED;
  const payload = (): Decoded => {
    if (decoded === NOT_DECODED) decoded = decodePayload(isPlainObject(record) ? record[payloadKey!] : undefined, payloadEncoding);
    return decoded;
  };
  const fieldOf: FieldOf = (container, key) => {
    if (key === payloadKey && container === record) return payload().value;
    return isPlainObject(container) && Object.hasOwn(container, key) ? container[key] : undefined;
  };

  const patterns: Node[] = parsed.Filters.map(({ Pattern }) => {
    const pattern = parsePatternJson(Pattern);
    const node = compileObject(pattern, fieldOf);
    if (payloadKey === undefined || !isPlainObject(pattern) || !Object.hasOwn(pattern, payloadKey)) return node;
    const wantsJson = isPlainObject(pattern[payloadKey]);
    if (!wantsJson && payloadEncoding === PayloadEncoding.Base64) {
      throw invalidPattern(`"${payloadKey}" holds base64 JSON: filter it with a nested pattern`);
    }
    return (r) => payload().json === wantsJson && node(r);
  });

  return (r) => {
    record = r;
    decoded = NOT_DECODED;
    try {
      for (const p of patterns) if (p(r)) return true;
      return false;
    } finally {
      record = undefined;
      decoded = NOT_DECODED;
    }
  };
}

/** JSON objects and arrays count as JSON payloads; anything else stays text (or is undecodable). */
function decodePayload(raw: unknown, encoding: PayloadEncoding): Decoded {
  if (typeof raw !== "string") return { json: isPlainObject(raw) || Array.isArray(raw), value: raw };
  const text = encoding === PayloadEncoding.Base64 ? Buffer.from(raw, "base64").toString("utf8") : raw;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null) return { json: true, value };
    return { json: false, value: raw };
  } catch {
    return { json: false, value: encoding === PayloadEncoding.Base64 ? undefined : raw };
  }
}
