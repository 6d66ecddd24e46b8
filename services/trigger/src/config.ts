import { EnvReader, readCommonConfig, type CommonConfig, type Env } from "@fnmesh/service-kit";

export type TriggerConfig = CommonConfig;

export function loadConfig(env: Env): TriggerConfig {
  const r = new EnvReader(env);
  const config = readCommonConfig(r);
  r.done("trigger");
  return config;
}
