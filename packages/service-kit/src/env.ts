/**
 * Helpers for `loadConfig(env)` functions: they collect every problem instead of stopping at the first.
 */
import type { TelemetryOptions } from "@fnmesh/telemetry";

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super(`invalid ${service} configuration:\n  - ${problems.join("\n  - ")}`);
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

export class EnvReader {
  readonly problems: string[] = [];
  private readonly env: Env;
  constructor(env: Env) { this.env = env; }

  string(name: string, fallback: string): string {
    const v = this.env[name];
    return v === undefined || v === "" ? fallback : v;
  }

  optional(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === "" ? undefined : v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === "") return fallback;
    // Decimal digits only: Number() would also take "0x10", "1e3" and " 8 ".
    const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name];
    if (raw === undefined || raw === "") return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return raw as T;
  }

  url(name: string, fallback: string, protocols: readonly string[]): string {
    const value = this.string(name, fallback);
    for (const part of value.split(",")) {
      try {
        const u = new URL(part);
        if (!protocols.includes(u.protocol)) this.problems.push(`${name} must use ${protocols.join(" or ")}, got ${u.protocol}`);
      } catch {
        this.problems.push(`${name} is not a URL: ${JSON.stringify(part)}`);
      }
    }
    return value;
  }

  /** Throws one ConfigError listing every problem. */
  done(service: string): void {
    if (this.problems.length > 0) throw new ConfigError(service, this.problems);
  }
}

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** Copies JetStream keeps of fnmesh's streams: 1 on a single server, 3 on a 3-node (or larger) cluster. */
const JS_REPLICAS = ["1", "3"] as const;

/** Settings every service reads the same way. */
export interface CommonConfig {
  natsUrl: string;
  logLevel: (typeof LOG_LEVELS)[number];
  otlpEndpoint?: string;
  /**
   * FNMESH_JS_REPLICAS: replicas of the async, dead-letter and code streams. Every service that
   * creates them must agree, so it is common; 3 needs a JetStream cluster of at least 3 nodes.
   */
  jsReplicas: 1 | 3;
  /**
   * FNMESH_MAX_CONCURRENCY: invocations running at once across the whole mesh (Lambda's account
   * concurrency, default 1000 as Lambda's). Functions with reserved concurrency have their own
   * share; the rest share what is left. Every executor enforces it and ingest reports it, so it is common.
   */
  maxConcurrency: number;
}

/** What a service's `startTelemetry` gets from its common settings. */
export function telemetryOptions(service: string, config: CommonConfig): TelemetryOptions {
  return { service, logLevel: config.logLevel, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}) };
}

export function readCommonConfig(r: EnvReader): CommonConfig {
  const otlpEndpoint = r.optional("FNMESH_OTLP_ENDPOINT");
  return {
    natsUrl: r.url("NATS_URL", "nats://127.0.0.1:4222", ["nats:", "tls:"]),
    logLevel: r.oneOf("FNMESH_LOG_LEVEL", "info", LOG_LEVELS),
    jsReplicas: r.oneOf("FNMESH_JS_REPLICAS", "1", JS_REPLICAS) === "3" ? 3 : 1,
    maxConcurrency: r.int("FNMESH_MAX_CONCURRENCY", 1000, 1, 1_000_000),
    ...(otlpEndpoint ? { otlpEndpoint } : {}),
  };
}
