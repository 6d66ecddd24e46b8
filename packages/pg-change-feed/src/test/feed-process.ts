/**
 * A change feed in its own process, for tests that kill it (`kill -9`) or run two replicas: reads
 * FEED_PG_URL, FEED_NATS_URL, FEED_MAPPING, FEED_SCHEMA, FEED_TABLE, FEED_ARN; publishes into
 * FNMESH_CHANGES as the trigger does; prints "streaming" on stdout once it holds the slot.
 */
import { connect } from "@nats-io/transport-node";
import { startPublishingFeed } from "./support.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const nc = await connect({ servers: env("FEED_NATS_URL") });
const log = {
  debug: () => {},
  info: (msg: string, fields?: Record<string, unknown>) => process.stderr.write(`info ${msg} ${JSON.stringify(fields ?? {})}\n`),
  warn: (msg: string, fields?: Record<string, unknown>) => process.stderr.write(`warn ${msg} ${JSON.stringify(fields ?? {}, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`),
  error: (msg: string, fields?: Record<string, unknown>) => process.stderr.write(`error ${msg} ${JSON.stringify(fields ?? {})}\n`),
};
const feed = await startPublishingFeed(nc, {
  connectionString: env("FEED_PG_URL"), mappingUuid: env("FEED_MAPPING"), schema: env("FEED_SCHEMA"), table: env("FEED_TABLE"),
  eventSourceArn: env("FEED_ARN"), log, statusIntervalMs: 1_000,
});
const timer = setInterval(() => {
  if (feed.streaming()) {
    process.stdout.write("streaming\n");
    clearInterval(timer);
  }
}, 50);
process.on("SIGTERM", () => {
  void feed.stop().then(() => nc.drain()).then(() => process.exit(0));
});
