import { EnvReader, type Env } from "@fnmesh/service-kit";

export interface TriggerConfig { natsUrl: string; otlpEndpoint?: string; logLevel: "debug" | "info" | "warn" | "error" }

export function loadConfig(env: Env): TriggerConfig {
  const r = new EnvReader(env);
  const otlpEndpoint = r.optional("FNMESH_OTLP_ENDPOINT");
  const config: TriggerConfig = {
    natsUrl: r.url("NATS_URL", "nats://127.0.0.1:4222", ["nats:", "tls:"]),
    logLevel: r.oneOf("FNMESH_LOG_LEVEL", "info", ["debug", "info", "warn", "error"] as const),
    ...(otlpEndpoint ? { otlpEndpoint } : {}),
  };
  r.done("trigger");
  return config;
}
