import { connectNats, exitOnStartupFailure, onShutdown, telemetryOptions } from "@fnmesh/service-kit";
import { createPool } from "@fnmesh/store";
import { startTelemetry } from "@fnmesh/telemetry";
import { loadConfig } from "./config.ts";
import { startIngest } from "./service.ts";

try {
  const config = loadConfig(process.env);
  const telemetry = startTelemetry(telemetryOptions("ingest", config));
  const nc = await connectNats({ url: config.natsUrl, name: "fnmesh-ingest" }, telemetry.log);
  const pool = createPool(config.databaseUrl, (err) => telemetry.log.error("postgres pool error", { err }));
  const ingest = await startIngest({ nc, pool, config, log: telemetry.log, tracer: telemetry.tracer });
  onShutdown(async () => {
    await ingest.stop();
    await pool.end();
    await nc.drain();
    await telemetry.stop();
  }, telemetry.log);
} catch (err) {
  exitOnStartupFailure("ingest")(err);
}
