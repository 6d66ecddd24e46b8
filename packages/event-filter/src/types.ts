/** Lambda's `FilterCriteria` shape (API Reference: FilterCriteria, Filter), after validation. */
export interface FilterCriteria {
  Filters: Array<{ Pattern: string }>;
}

/** How a record's payload field is decoded before `data`/`body` rules see it. */
export const PayloadEncoding = {
  /** The field holds base64 of JSON (Kinesis `data`, Kafka `value`, MQ `data`, fnmesh NATS `data`). */
  Base64: "base64",
  /** The field holds JSON text (SQS `body`). A plain-string rule may match it if it is not JSON. */
  Text: "text",
} as const;
export type PayloadEncoding = (typeof PayloadEncoding)[keyof typeof PayloadEncoding];

/** Options of `compileFilters`. Records without a payload key (S3, Postgres changes) pass none. */
export interface CompileOptions {
  /** The record key holding an encoded JSON payload (`data`, `body`, `value`), if any. */
  payloadKey?: string;
  /** How that key is encoded; default `text`. */
  payloadEncoding?: PayloadEncoding;
  /** The filter quota: 5 by default, up to 10 after a quota increase (Lambda Developer Guide). */
  maxFilters?: number;
}

/** A compiled rule: true when the record passes. */
export type RecordFilter = (record: unknown) => boolean;
