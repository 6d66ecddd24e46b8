import { EnvReader, readCommonConfig, type CommonConfig, type Env } from "@fnmesh/service-kit";

export type SchedulerConfig = CommonConfig;

export function loadConfig(env: Env): SchedulerConfig {
  const r = new EnvReader(env);
  const config = readCommonConfig(r);
  r.done("scheduler");
  return config;
}
