/**
 * Process-wide telemetry: W3C trace-context propagation, a tracer (spans exported over OTLP/HTTP
 * when an endpoint is configured; otherwise traces this service starts are unsampled, for ids and
 * propagation only), and the logger.
 */
import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { createLogger, type LogLevelName, type Logger } from "./logger.ts";

export interface TelemetryOptions {
  service: string;
  logLevel?: LogLevelName;
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  otlpEndpoint?: string;
  write?: (line: string) => void;
}

export interface Telemetry {
  log: Logger;
  tracer: Tracer;
  stop(): Promise<void>;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  // Idempotent: a second start in one process (tests) keeps the first manager and propagator.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spanProcessors: SpanProcessor[] = options.otlpEndpoint
    ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint }))]
    : [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": `fnmesh-${options.service}`, "service.namespace": "fnmesh" }),
    spanProcessors,
    // With nowhere to send spans, a trace this service starts is not recorded: its ids are still made
    // and propagated (logs carry them), but no span keeps attributes per request. A caller's sampled
    // trace stays sampled, so the flag reaches whoever downstream records it.
    ...(options.otlpEndpoint ? {} : { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }),
  });
  trace.setGlobalTracerProvider(provider);
  const log = createLogger({ service: options.service, level: options.logLevel ?? "info", ...(options.write ? { write: options.write } : {}) });
  return {
    log,
    tracer: provider.getTracer(`fnmesh-${options.service}`),
    async stop() {
      await provider.shutdown().catch((err: unknown) => log.warn("telemetry shutdown failed", { err }));
    },
  };
}
