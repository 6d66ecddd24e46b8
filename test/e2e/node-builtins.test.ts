/**
 * Node.js built-ins through the whole mesh: a zip deployed with the SDK is bundled by ingest's
 * deploy process (which prebuilds the built-ins there) and run by the executor. The built-ins
 * themselves are covered in packages/bundle and services/executor/test/lambda-compat-builtins.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

let stack: Stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });

async function invoke(name: string): Promise<{ functionError: string | undefined; body: unknown }> {
  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode("{}") }));
  return { functionError: out.FunctionError, body: JSON.parse(new TextDecoder().decode(out.Payload)) };
}

async function create(name: string, files: Record<string, string>): Promise<void> {
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf(files) },
  }));
}

test("a CommonJS handler requiring buffer, events and util, deployed through the SDK, answers with Node's results", async () => {
  const name = randomName("builtins").replace(/_/g, "-");
  await create(name, {
    "index.js": `const { EventEmitter } = require("events");
const util = require("node:util");
exports.handler = async () => {
  const emitter = new EventEmitter();
  const seen = [];
  emitter.on("x", (value) => seen.push(value));
  emitter.emit("x", Buffer.from("héllo").toString("base64"));
  return { seen, formatted: util.format("%s=%d", "a", 1), inspected: util.inspect(new Map([["k", [1]]])) };
};`,
  });
  assert.deepEqual(await invoke(name), {
    functionError: undefined,
    body: { seen: ["aMOpbGxv"], formatted: "a=1", inspected: "Map(1) { 'k' => [ 1 ] }" },
  });
});

test("a handler importing node:child_process fails on invoke with Runtime.ImportModuleError naming the module and why", async () => {
  const name = randomName("no_child").replace(/_/g, "-");
  await create(name, { "index.mjs": `import { execSync } from "node:child_process";\nexport const handler = async () => String(execSync("id"));` });
  const { functionError, body } = await invoke(name);
  assert.equal(functionError, "Unhandled");
  assert.deepEqual(body, {
    errorType: "Runtime.ImportModuleError",
    errorMessage: "Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available",
    trace: [],
  });
});
