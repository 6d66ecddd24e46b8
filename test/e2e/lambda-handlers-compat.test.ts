/**
 * Real public Lambda handlers, vendored unmodified under test/data/lambda-handlers (PROVENANCE.md),
 * deployed as their sources ship them through `@aws-sdk/client-lambda` and invoked through the whole
 * mesh; each must give the outcome its source records (a test's assertion, a snapshot recorded
 * against AWS, or the documentation that publishes it). The table, with the source of each
 * expectation, is test/e2e/support/lambda-handler-cases.ts. Where fnmesh differs on purpose a case
 * asserts fnmesh's documented behaviour and says where that is written down.
 *
 * One stack: every function is created up front (a few at a time), then each case's invocations
 * run in turn.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { vendoredZip } from "./support/vendored-handlers.ts";
import { caseGroups, ENV_NOT_SET, type Case, type Deployed, type Introspection, type Invocation, type Outcome } from "./support/lambda-handler-cases.ts";

let stack: Stack;
const cases = caseGroups.flatMap(([, list]) => list);



const deployed = new Map<Case, Deployed | Error>();

async function deploy(c: Case): Promise<Deployed> {
  const name = randomName("compat").replace(/_/g, "-");
  const created = await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: c.runtime ?? "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: c.handler,
    MemorySize: c.memoryMb ?? 128, Timeout: 10, Code: { ZipFile: vendoredZip(c.code.dir, c.code.prefix) },
    ...(c.env ? { Environment: { Variables: c.env } } : {}),
  }));
  return { name, arn: String(created.FunctionArn) };
}

async function invoke(fn: Deployed, inv: Invocation): Promise<Outcome> {
  const out = await stack.lambda.send(new InvokeCommand({
    FunctionName: inv.qualifier === undefined ? fn.name : `${fn.arn}:${inv.qualifier}`, LogType: "Tail",
    ...("event" in inv ? { Payload: new TextEncoder().encode(JSON.stringify(inv.event)) } : {}),
  }));
  const text = new TextDecoder().decode(out.Payload);
  return { out, body: text === "" ? undefined : JSON.parse(text), log: Buffer.from(out.LogResult ?? "", "base64").toString("utf8") };
}

before(async () => {
  stack = await startStack();
  // A few CreateFunctions at a time: each is a bundle build in ingest's deploy process.
  const queue = [...cases];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      deployed.set(c, await deploy(c).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
    }
  }));
});
after(async () => { await stack?.[Symbol.asyncDispose](); });

for (const [group, list] of caseGroups) {
  describe(group, () => {
    for (const c of list) {
      test(`${c.handler} (${c.runtime ?? "nodejs22.x"}): ${c.title}`, { todo: c.todo }, async () => {
        const fn = deployed.get(c);
        if (fn instanceof Error || fn === undefined) throw fn ?? new Error("not deployed");
        for (const inv of c.invocations) inv.expect(await invoke(fn, inv), fn);
      });
    }
  });
}

test.todo(`Lambda's other variables (${ENV_NOT_SET.join(", ")}) are set`, async () => {
  const c = cases.find((x) => x.title.startsWith("introspection on nodejs22.x"));
  assert.ok(c !== undefined);
  const fn = deployed.get(c);
  if (fn instanceof Error || fn === undefined) throw fn ?? new Error("not deployed");
  const { environment } = (await invoke(fn, { event: {}, expect: () => undefined })).body as Introspection;
  assert.deepEqual(ENV_NOT_SET.filter((key) => !(key in environment)), []);
});
