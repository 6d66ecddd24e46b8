/**
 * Watches a function's log lines on `fnmesh.logs.<fn>`: what the executor wrote for each invocation,
 * in order. START/END/REPORT lines are written by the platform, never by the function (a function's
 * console lines always begin with a timestamp), so counting REPORT lines counts finished invocations.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeJson, LogBatch, LogLevel, subjects, type LogEvent } from "@fnmesh/protocol";

export interface LogWatch extends Disposable {
  readonly events: readonly LogEvent[];
  /** Lines of one invocation, in publication order. */
  linesOf(requestId: string): string[];
  /** REPORT lines seen for this request id (one per finished run). */
  reports(requestId: string): number;
  /** Every REPORT line seen, whatever the request. */
  allReports(): number;
}

/** Resolves once the server has the subscription, so no line published afterwards is missed. */
export async function watchLogs(nc: NatsConnection, functionName: string): Promise<LogWatch> {
  const events: LogEvent[] = [];
  const sub = nc.subscribe(subjects.logs(functionName), { callback: (_err, m) => { events.push(...decodeJson(LogBatch, m.data).events); } });
  await nc.flush();
  const isReport = (e: LogEvent) => e.level === LogLevel.Platform && e.line.startsWith("REPORT RequestId: ");
  return {
    events,
    linesOf: (requestId) => events.filter((e) => e.requestId === requestId).map((e) => e.line),
    reports: (requestId) => events.filter((e) => e.requestId === requestId && isReport(e)).length,
    allReports: () => events.filter(isReport).length,
    [Symbol.dispose]() { sub.unsubscribe(); },
  };
}
