import { test } from "node:test";
import assert from "node:assert/strict";
import { functionLine, logTail, reportLine, startLine, timeoutLine } from "./lambda-log.ts";

test("platform lines follow Lambda's format", () => {
  assert.equal(startLine("r1", "$LATEST"), "START RequestId: r1 Version: $LATEST");
  assert.equal(reportLine("r1", { durationMs: 1.234, billedDurationMs: 2, memorySizeMb: 128, maxMemoryUsedMb: 9 }),
    "REPORT RequestId: r1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\t");
  assert.match(reportLine("r1", { durationMs: 1, billedDurationMs: 1, memorySizeMb: 128, maxMemoryUsedMb: 9, initDurationMs: 12.345 }),
    /\tMax Memory Used: 9 MB\tInit Duration: 12\.35 ms\t$/);
  assert.equal(functionLine(0, "r1", "INFO", "hi"), "1970-01-01T00:00:00.000Z\tr1\tINFO\thi");
  assert.equal(timeoutLine(0, "r1", 3), "1970-01-01T00:00:00.000Z r1 Task timed out after 3.00 seconds");
});

test("log tail keeps only the last bytes", () => {
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
  const tail = Buffer.from(logTail(lines, 4096), "base64").toString("utf8");
  assert.equal(Buffer.byteLength(tail), 4096);
  assert.ok(tail.endsWith("line 499\n"));
  assert.equal(Buffer.from(logTail(["a", "b"], 4096), "base64").toString(), "a\nb\n");
});
