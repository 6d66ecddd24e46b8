/**
 * Lambda's Node.js handler semantics through the SDK (docs/lambda-semantics.md): a Handler that
 * CreateFunction accepts but the runtime cannot use fails at invoke as the RIC reports it; a
 * function error's trace and its `Invoke Error` log line name the user's files and lines; the
 * environment carries the configured region; module types follow Node.
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

const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");

async function create(name: string, files: Record<string, string>, extra: { Handler?: string; Runtime?: "nodejs22.x" | "nodejs24.x" } = {}): Promise<void> {
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: extra.Runtime ?? "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: extra.Handler ?? "index.handler",
    Code: { ZipFile: zipOf(files) },
  }));
}

async function invoke(name: string, event: unknown = {}): Promise<{ functionError: string | undefined; body: Record<string, unknown>; log: string }> {
  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail", Payload: new TextEncoder().encode(JSON.stringify(event)) }));
  return {
    functionError: out.FunctionError,
    body: JSON.parse(new TextDecoder().decode(out.Payload)) as Record<string, unknown>,
    log: Buffer.from(out.LogResult ?? "", "base64").toString(),
  };
}

test("a Handler without an export part is accepted by CreateFunction and fails at invoke with Runtime.MalformedHandlerName", async () => {
  const name = fnName("badhandler");
  await create(name, { "index.js": "exports.handler = async () => 1;" }, { Handler: "index" });
  const out = await invoke(name);
  assert.equal(out.functionError, "Unhandled");
  assert.equal(out.body.errorType, "Runtime.MalformedHandlerName");
  assert.equal(out.body.errorMessage, "Bad handler");
});

test("a thrown error's trace and Invoke Error log line point at the user's file and line", async () => {
  const name = fnName("trace");
  await create(name, {
    "index.js": "const { charge } = require('./lib/pay.js');\nexports.handler = async (event) => charge(event.cents);\n",
    "lib/pay.js": "exports.charge = function charge(cents) {\n  if (cents > 100) {\n    throw new RangeError('over limit');\n  }\n  return cents;\n};\n",
  });
  const out = await invoke(name, { cents: 500 });
  assert.equal(out.body.errorType, "RangeError");
  const trace = out.body.trace as string[];
  assert.equal(trace[1], "    at charge (/var/task/lib/pay.js:3:11)");
  const line = out.log.split("\n").find((l) => l.includes("\tERROR\tInvoke Error \t")) ?? "";
  assert.ok(line.includes("/var/task/lib/pay.js:3:11"), line);
});

test("AWS_REGION and AWS_DEFAULT_REGION are the configured region; CommonJS sees /var/task paths", async () => {
  const name = fnName("env");
  await create(name, { "index.js": "exports.handler = async () => [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION, __filename, process.env._HANDLER];" });
  const out = await invoke(name);
  assert.deepEqual(out.body, [stack.region, stack.region, "/var/task/index.js", "index.handler"]);
});

test("export in a .cjs file is Runtime.UserCodeSyntaxError; a sync handler's value is the result on nodejs24.x", async () => {
  const cjs = fnName("cjs");
  await create(cjs, { "index.cjs": "export const handler = async () => 1;\n" });
  const failed = await invoke(cjs);
  assert.equal(failed.body.errorType, "Runtime.UserCodeSyntaxError");
  assert.match(String(failed.body.errorMessage), /^SyntaxError: index\.cjs:1:1: Unexpected token 'export'$/);
  const sync = fnName("sync24");
  await create(sync, { "index.mjs": "export function handler(event) { return { doubled: event.n * 2 }; }\n" }, { Runtime: "nodejs24.x" });
  assert.deepEqual((await invoke(sync, { n: 21 })).body, { doubled: 42 });
});

test("context.invokedFunctionArn carries the qualifier the invoke named (Qualifier or name:qualifier), unqualified otherwise", async () => {
  const name = fnName("arn");
  await create(name, { "index.mjs": "export const handler = async (event, context) => context.invokedFunctionArn;\n" });
  const arnOf = async (input: { FunctionName: string; Qualifier?: string }) =>
    JSON.parse(new TextDecoder().decode((await stack.lambda.send(new InvokeCommand({ ...input, Payload: new TextEncoder().encode("{}") }))).Payload)) as string;
  const unqualified = await arnOf({ FunctionName: name });
  assert.match(unqualified, new RegExp(`^arn:aws:lambda:${stack.region}:\\d{12}:function:${name}$`));
  assert.equal(await arnOf({ FunctionName: name, Qualifier: "$LATEST" }), `${unqualified}:$LATEST`);
  assert.equal(await arnOf({ FunctionName: `${name}:$LATEST` }), `${unqualified}:$LATEST`);
});
