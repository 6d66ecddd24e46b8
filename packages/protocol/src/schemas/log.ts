import { z } from "zod";

export const LogLevel = {
  Trace: "TRACE",
  Debug: "DEBUG",
  Info: "INFO",
  Warn: "WARN",
  Error: "ERROR",
  /** START / END / REPORT / timeout lines written by the platform, not the function. */
  Platform: "PLATFORM",
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** One line of an invocation's log. */
export const LogEvent = z.object({
  requestId: z.string(),
  version: z.string(),
  /** Epoch ms. */
  time: z.number(),
  level: z.enum(Object.values(LogLevel) as [LogLevel, ...LogLevel[]]),
  /** The line exactly as it appears in the Lambda-format log (without trailing newline). */
  line: z.string(),
  /** W3C trace id of the invocation, when it was traced. */
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
});
export type LogEvent = z.infer<typeof LogEvent>;

/**
 * What `fnmesh.logs.<function>` carries: the lines an executor wrote for that function in one turn
 * of its event loop (one or many invocations), in order. One message per line cost every hop — the
 * executor's socket, nats-server, every subscriber — once per line; a busy executor now pays once
 * per turn. Each line keeps its own request id and time.
 */
export const LogBatch = z.object({
  v: z.literal(2),
  function: z.string(),
  events: z.array(LogEvent).min(1),
});
export type LogBatch = z.infer<typeof LogBatch>;
