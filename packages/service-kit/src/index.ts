/**
 * @fnmesh/service-kit — what every fnmesh service's `main.ts` wires with: NATS connection, the
 * health responder on `fnmesh.health.<service>`, env readers that report every problem, shutdown.
 *
 * @example
 * ```ts
 * const nc = await connectNats({ url: config.natsUrl, name: "fnmesh-executor" }, log);
 * const health = serveHealth(nc, "executor");
 * health.setReady(true);
 * onShutdown(async () => { health.stop(); await nc.drain(); }, log);
 * ```
 */
export { connectNats, REQUIRED_MAX_PAYLOAD } from "./nats.ts";
export type { NatsOptions } from "./nats.ts";
export { serveHealth } from "./health.ts";
export type { HealthResponder } from "./health.ts";
export { onShutdown, exitOnStartupFailure } from "./shutdown.ts";
export { ConfigError, EnvReader, readCommonConfig, telemetryOptions } from "./env.ts";
export { ensureAsyncStream, ensureEventSourceStreams, ensureAsyncConsumer, ensureConsumer, openCodeStore, openKvBucket } from "./jetstream-setup.ts";
export type { JetStreamSetupOptions } from "./jetstream-setup.ts";
export type { CommonConfig, Env } from "./env.ts";
