/**
 * @fnmesh/telemetry — the structured logger and OpenTelemetry setup every fnmesh service starts
 * with. Telemetry never throws into the caller.
 *
 * @example
 * ```ts
 * const telemetry = startTelemetry({ service: "executor", otlpEndpoint: config.otlpEndpoint });
 * telemetry.log.info("invocation done", { function: "hello", durationMs: 3.2 });
 * ```
 */
export { createLogger, LogLevels } from "./logger.ts";
export type { Logger, LoggerOptions, LogFields, LogLevelName } from "./logger.ts";
export { startTelemetry } from "./telemetry.ts";
export type { Telemetry, TelemetryOptions } from "./telemetry.ts";
