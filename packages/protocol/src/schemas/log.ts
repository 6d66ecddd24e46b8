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

/** One line of an invocation's log, published on `fnmesh.logs.<function>` as it happens. */
export const LogEvent = z.object({
  v: z.literal(1),
  requestId: z.string(),
  function: z.string(),
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
