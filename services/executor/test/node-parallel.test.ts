/**
 * Node's own tests in isolates (issue 17): files from nodejs/node v24.12.0's test/parallel for
 * buffer, events, util.format/inspect, path, querystring, string_decoder, url and zlib, each built
 * by the real bundler with fnmesh's `common` shim and run in a fresh isolate
 * (node-parallel/run-node-test.ts). Prints the pass count per module and checks the outcome of
 * every file against node-parallel/expected.json, so a regression fails and a newly passing file
 * is noticed; docs/node-compat.md gives each failing file's reason.
 *
 * Node's test files are not kept in this repository: FNMESH_TEST_NODE_TESTS_DIR names a folder
 * holding Node's test/ tree at v24.12.0 (parallel/, fixtures/). Without it that part is skipped,
 * saying so; the shim's own checks always run.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createIsolateRuntime, type SandboxRuntime } from "@fnmesh/sandbox";
import { runNodeTestFile, runTestSource, type NodeTestResult, type NodeTestStatus } from "./node-parallel/run-node-test.ts";

interface Expected {
  nodeVersion: string;
  modules: Record<string, Record<NodeTestStatus, string[]>>;
}

const EXPECTED = JSON.parse(readFileSync(new URL("./node-parallel/expected.json", import.meta.url), "utf8")) as Expected;
const TESTS_DIR = process.env.FNMESH_TEST_NODE_TESTS_DIR;
/** Files built and run at once: the build is CPU, the run mostly waits on timers. */
const CONCURRENCY = 3;

let runtime: SandboxRuntime;
before(() => {
  runtime = createIsolateRuntime({ memoryBudgetMb: 4096 });
});
after(async () => {
  await runtime?.close();
});

async function runAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe("the common shim judges a Node test file as Node's runner would", () => {
  const run = (source: string) => runTestSource(runtime, "test-shim.js", source, new Map(), 500);
  const header = "'use strict';\nconst common = require('../common');\nconst assert = require('assert');\n";

  test("a file whose calls all happen, sync and from timers, passes", async () => {
    const result = await run(`${header}const fn = common.mustCall((x) => assert.strictEqual(x, 1), 2);
fn(1);
setTimeout(() => fn(1), 5);
process.on('exit', common.mustCall());`);
    assert.deepEqual(result, { file: "test-shim.js", status: "pass" });
  });

  test("a mustCall called fewer or more times than expected fails, naming the function", async () => {
    const fewer = await run(`${header}const onData = common.mustCall(function onData() {}, 2);\nonData();`);
    assert.equal(fewer.status, "fail");
    assert.match(fewer.reason ?? "", /^mustCall: expected exactly 2 call\(s\) of onData, got 1/);
    const more = await run(`${header}const f = common.mustCall(function f() {});\nf(); f();`);
    assert.match(more.reason ?? "", /^mustCall: expected exactly 1 call\(s\) of f, got 2/);
  });

  test("an assertion failing at load, in a timer or in an 'exit' listener fails the file with its message", async () => {
    const atLoad = await run(`${header}assert.strictEqual(1 + 1, 3);`);
    assert.equal(atLoad.status, "fail");
    assert.match(atLoad.reason ?? "", /AssertionError \[ERR_ASSERTION\]: Expected values to be strictly equal/);
    const inTimer = await run(`${header}setTimeout(common.mustNotCall('the timer should be cleared'), 1);`);
    assert.equal(inTimer.status, "fail");
    assert.match(inTimer.reason ?? "", /the timer should be cleared/);
    const atExit = await run(`${header}let n = 0;\nprocess.on('exit', () => assert.strictEqual(n, 1));`);
    assert.equal(atExit.status, "fail");
    assert.match(atExit.reason ?? "", /^in an 'exit' listener: AssertionError/);
  });

  test("common.skip skips; a module the isolate lacks and a helper the shim lacks fail saying which", async () => {
    assert.deepEqual(await run(`${header}common.skip('Windows only');`), { file: "test-shim.js", status: "skip", reason: "common.skip: Windows only" });
    const vm = await run(`${header}require('vm');`);
    assert.equal(vm.status, "fail");
    assert.match(vm.reason ?? "", /Cannot find module 'vm'/);
    const helper = await run(`${header}common.canCreateSymLink();`);
    assert.match(helper.reason ?? "", /fnmesh's common shim has no common\.canCreateSymLink/);
  });

  test("expectsError and mustSucceed check what a callback receives", async () => {
    const result = await run(`${header}const cb = common.expectsError({ code: 'ERR_X', name: 'TypeError' });
const error = new TypeError('bad');
error.code = 'ERR_X';
cb(error);
common.mustSucceed((value) => assert.strictEqual(value, 2))(null, 2);
assert.strictEqual(common.invalidArgTypeHelper(5), ' Received type number (5)');`);
    assert.deepEqual(result, { file: "test-shim.js", status: "pass" });
    const failed = await run(`${header}common.mustSucceed()(new Error('boom'));`);
    assert.match(failed.reason ?? "", /boom/);
  });
});

describe(`nodejs/node v${EXPECTED.nodeVersion} test/parallel files in isolates`, () => {
  const skip = TESTS_DIR === undefined
    ? `FNMESH_TEST_NODE_TESTS_DIR is not set: point it at Node v${EXPECTED.nodeVersion}'s test/ folder to run Node's own tests`
    : !existsSync(join(TESTS_DIR, "parallel")) ? `FNMESH_TEST_NODE_TESTS_DIR=${TESTS_DIR} has no parallel/ folder` : false;

  for (const [module, expected] of Object.entries(EXPECTED.modules)) {
    test(`${module}: the files passing are the expected ones`, { skip }, async (t) => {
      const files = [...expected.pass, ...expected.fail, ...expected.skip].sort();
      const results = await runAll(files, CONCURRENCY, (file) => runNodeTestFile(runtime, { testsDir: TESTS_DIR ?? "", file, settleMs: 4000 }));
      const by = (status: NodeTestStatus) => results.filter((r) => r.status === status).map((r) => r.file).sort();
      t.diagnostic(`${module}: ${by("pass").length}/${files.length} files pass${by("skip").length > 0 ? ` (${by("skip").length} skipped by the test itself)` : ""}`);
      for (const r of results.filter((r: NodeTestResult) => r.status !== "pass")) t.diagnostic(`  ${r.status} ${r.file}: ${(r.reason ?? "").split("\n")[0]}`);
      assert.deepEqual({ pass: by("pass"), fail: by("fail"), skip: by("skip") }, { pass: [...expected.pass].sort(), fail: [...expected.fail].sort(), skip: [...expected.skip].sort() });
    });
  }
});
