import { connectNats, exitOnStartupFailure, onShutdown, telemetryOptions } from "@fnmesh/service-kit";
import { startTelemetry } from "@fnmesh/telemetry";
import { loadConfig } from "./config.ts";
import { startScheduler } from "./service.ts";

try {
  const config = loadConfig(process.env);
  const telemetry = startTelemetry(telemetryOptions("scheduler", config));
  const nc = await connectNats({ url: config.natsUrl, name: "fnmesh-scheduler" }, telemetry.log);
  const service = await startScheduler({ nc, config, log: telemetry.log });
  onShutdown(async () => {
    await service.stop();
    await nc.drain();
    await telemetry.stop();
  }, telemetry.log);
} catch (err) {
  exitOnStartupFailure("scheduler")(err);
}
