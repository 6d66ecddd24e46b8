/** Lambda's text log format for Node.js functions, line by line. */

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFields { durationMs: number; billedDurationMs: number; memorySizeMb: number; maxMemoryUsedMb: number; initDurationMs?: number | undefined }

/** Every field ends with a tab, the last one too, as Lambda writes it (REPORT lines recorded on AWS in LocalStack's test_lambda.snapshot.json). */
export function reportLine(requestId: string, r: ReportFields): string {
  const init = r.initDurationMs === undefined ? "" : `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`;
  return `REPORT RequestId: ${requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\tBilled Duration: ${r.billedDurationMs} ms\tMemory Size: ${r.memorySizeMb} MB\tMax Memory Used: ${r.maxMemoryUsedMb} MB\t${init}`;
}

/** A console line as the Node.js runtime writes it: timestamp, request id, level, message. */
export function functionLine(time: number, requestId: string, level: string, message: string): string {
  return `${new Date(time).toISOString()}\t${requestId}\t${level}\t${message}`;
}

export function timeoutLine(time: number, requestId: string, seconds: number): string {
  return `${new Date(time).toISOString()} ${requestId} Task timed out after ${seconds.toFixed(2)} seconds`;
}

/** Base64 of the last `maxBytes` of the log, as X-Amz-Log-Result carries it. */
export function logTail(lines: readonly string[], maxBytes: number): string {
  const all = Buffer.from(lines.map((l) => `${l}\n`).join(""), "utf8");
  return all.subarray(Math.max(0, all.length - maxBytes)).toString("base64");
}
