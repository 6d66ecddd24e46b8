/**
 * Structured JSON-lines logger. Every line carries `service` and, when a span is passed or active,
 * `traceId`. Logging never throws: a field that cannot be serialised is replaced, not fatal.
 */
import { trace, type Context, context as otelContext } from "@opentelemetry/api";
import { stderrWriter } from "./batched-stderr.ts";

export const LogLevels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevelName = keyof typeof LogLevels;

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger adding `fields` to every line (e.g. an instance id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevelName;
  /** Where lines go; defaults to stderr (so stdout stays free for a CLI's output), one write per event-loop turn. */
  write?: (line: string) => void;
  base?: LogFields;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}

export function createLogger(options: LoggerOptions): Logger {
  const min = LogLevels[options.level ?? "info"];
  const write = options.write ?? ((line: string) => stderrWriter().write(line));
  const base = { service: options.service, ...options.base };

  const emit = (level: LogLevelName, msg: string, fields?: LogFields, ctx?: Context): void => {
    if (LogLevels[level] < min) return;
    const span = trace.getSpan(ctx ?? otelContext.active());
    const traceId = span?.spanContext().traceId;
    const record: LogFields = { time: new Date().toISOString(), level, msg, ...base, ...(traceId ? { traceId } : {}) };
    for (const [k, v] of Object.entries(fields ?? {})) record[k] = serialise(v);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, msg, ...base, note: "fields not serialisable" });
    }
    try { write(line + "\n"); } catch { /* telemetry never throws */ }
  };

  const make = (extra: LogFields): Logger => ({
    debug: (m, f) => emit("debug", m, { ...extra, ...f }),
    info: (m, f) => emit("info", m, { ...extra, ...f }),
    warn: (m, f) => emit("warn", m, { ...extra, ...f }),
    error: (m, f) => emit("error", m, { ...extra, ...f }),
    child: (f) => make({ ...extra, ...f }),
  });
  return make({});
}
