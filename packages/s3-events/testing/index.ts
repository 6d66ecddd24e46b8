/**
 * Test data for S3 event sources: MinIO's notification documents as its documentation prints them
 * (see fixtures/README.md for their source), as the exact bytes a MinIO target sends.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const MINIO_FIXTURES = ["minio-kafka-put", "minio-nsq-put", "minio-nats-streaming-put", "minio-nats-legacy-put"] as const;
export type MinioFixture = (typeof MINIO_FIXTURES)[number];

/** The vendored document's bytes, unchanged. */
export function minioFixture(name: MinioFixture): Uint8Array {
  return new Uint8Array(readFileSync(join(import.meta.dirname, "fixtures", `${name}.json`)));
}
