import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { createBatchedWriter } from "./batched-stderr.ts";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("lines written in one event-loop turn reach the sink in one write, in order; the next turn's in another", async () => {
  const writes: string[] = [];
  const writer = createBatchedWriter((chunk) => writes.push(chunk));
  writer.write("a\n");
  writer.write("b\n");
  writer.write("c\n");
  assert.deepEqual(writes, [], "nothing written before the turn ends");
  await turn();
  assert.deepEqual(writes, ["a\nb\nc\n"]);
  writer.write("d\n");
  await turn();
  assert.deepEqual(writes, ["a\nb\nc\n", "d\n"]);
});

test("flush writes what is buffered at once; a sink that throws loses the chunk, never the caller", async () => {
  const writes: string[] = [];
  const writer = createBatchedWriter((chunk) => writes.push(chunk));
  writer.write("x\n");
  writer.flush();
  assert.deepEqual(writes, ["x\n"]);
  const failing = createBatchedWriter(() => { throw new Error("EPIPE"); });
  failing.write("lost\n");
  assert.doesNotThrow(() => failing.flush());
});

test("a logger's lines buffered when the process exits (process.exit, an uncaught exception) still reach stderr", () => {
  const logger = new URL("./logger.ts", import.meta.url).pathname;
  for (const ending of ["process.exit(3)", "throw new Error('boom')"]) {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e",
      `const { createLogger } = await import(${JSON.stringify(logger)}); const log = createLogger({ service: "t" });
       log.info("first"); log.warn("second"); ${ending};`], { encoding: "utf8" });
    const lines = child.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.deepEqual(lines, ["first", "second"], `${ending}: ${child.stderr}`);
  }
});
