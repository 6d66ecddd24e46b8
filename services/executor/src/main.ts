import { connectNats, exitOnStartupFailure, onShutdown, telemetryOptions } from "@fnmesh/service-kit";
import { startTelemetry } from "@fnmesh/telemetry";
import { loadConfig } from "./config.ts";
import { startExecutor } from "./service.ts";

try {
  const config = loadConfig(process.env);
  const telemetry = startTelemetry(telemetryOptions("executor", config));
  const nc = await connectNats({ url: config.natsUrl, name: `fnmesh-executor-${config.executorId}` }, telemetry.log);
  const executor = await startExecutor({ nc, config, log: telemetry.log, tracer: telemetry.tracer });
  onShutdown(async () => {
    await executor.stop();
    await nc.drain();
    await telemetry.stop();
  }, telemetry.log);
} catch (err) {
  exitOnStartupFailure("executor")(err);
}
