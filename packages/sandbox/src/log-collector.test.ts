import assert from "node:assert/strict";
import { test } from "node:test";
import { LogCollector } from "./log-collector.ts";
import type { LogLine } from "./types.ts";

test("keeps lines within the byte cap, then one marker", () => {
  const streamed: LogLine[] = [];
  const logs = new LogCollector(10, (line) => streamed.push(line));
  logs.add("INFO", "12345");
  logs.add("WARN", "é€"); // 5 bytes in UTF-8
  logs.add("INFO", "x");
  logs.add("INFO", "y");
  assert.deepEqual(logs.lines.map((l) => [l.level, l.message]), [
    ["INFO", "12345"],
    ["WARN", "é€"],
    ["WARN", "[fnmesh] log output truncated after 10 bytes"],
  ]);
  assert.equal(logs.truncated, true);
  assert.deepEqual(streamed, logs.lines);
});

test("a throwing onLog does not break collection", () => {
  const logs = new LogCollector(100, () => {
    throw new Error("sink down");
  });
  logs.add("INFO", "still kept");
  assert.equal(logs.lines.length, 1);
});
