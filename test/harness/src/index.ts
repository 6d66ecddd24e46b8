/**
 * @fnmesh/test-harness: the one place that starts real servers for fnmesh tests.
 *
 * `startNats()` and `startPostgres()` start a private NATS server (JetStream, 8 MB payloads) and
 * PostgreSQL server (`wal_level=logical`) from the local binaries, or from containers when
 * FNMESH_TEST_CONTAINERS=1, or reuse running ones named by FNMESH_TEST_NATS_URL /
 * FNMESH_TEST_DATABASE_URL. `startS3Compatible()` starts an S3 HTTP endpoint in this process
 * (s3rver, SigV4 checked). Every handle is disposable; spawned servers are also killed if the
 * test process exits without stopping them. See README.md for environment switches.
 *
 * @example
 * ```ts
 * import { test } from "node:test";
 * import { connect } from "@nats-io/transport-node";
 * import { eventually, printLogsOnFailure, randomName, startNats, startPostgres } from "@fnmesh/test-harness";
 *
 * test("orders flow", async (t) => {
 *   await using nats = await startNats();
 *   await using pg = await startPostgres({ migrate: (url) => migrate(url) });
 *   printLogsOnFailure(t, { nats, pg });
 *   await using db = await pg.testDatabase();        // a fresh clone of the migrated template
 *   await using nc = await connect({ servers: nats.url });
 *   const subject = `test.${randomName("orders")}`;  // isolates this test on a shared server
 *   await eventually(async () => (await count(db.url)) === 3, { name: "3 orders stored" });
 * });
 * ```
 */

export { eventually } from "./eventually.ts";
export type { EventuallyOptions } from "./eventually.ts";
export { printLogsOnFailure } from "./logs-on-failure.ts";
export { packageClosure } from "./package-closure.ts";
export type { TestContextLike } from "./logs-on-failure.ts";
export { startNats } from "./nats.ts";
export { startPostgres } from "./postgres.ts";
export { randomName } from "./random-name.ts";
export { startS3Compatible } from "./s3-compatible.ts";
export type {
  Migrate,
  NatsCluster,
  NatsClusterNode,
  NatsOptions,
  NatsServer,
  PostgresOptions,
  PostgresServer,
  S3CompatibleOptions,
  S3CompatibleServer,
  TestDatabase,
} from "./types.ts";
