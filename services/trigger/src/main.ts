import { connectNats, exitOnStartupFailure, onShutdown, telemetryOptions } from "@fnmesh/service-kit";
import { startTelemetry } from "@fnmesh/telemetry";
import { loadConfig } from "./config.ts";
import { startTrigger } from "./service.ts";

try {
  const config = loadConfig(process.env);
  const telemetry = startTelemetry(telemetryOptions("trigger", config));
  const nc = await connectNats({ url: config.natsUrl, name: "fnmesh-trigger" }, telemetry.log);
  const service = await startTrigger({ nc, log: telemetry.log, config });
  onShutdown(async () => {
    await service.stop();
    await nc.drain();
    await telemetry.stop();
  }, telemetry.log);
} catch (err) {
  exitOnStartupFailure("trigger")(err);
}
