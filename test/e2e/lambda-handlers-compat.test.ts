/**
 * Real public Lambda handlers, deployed as their sources ship them through `@aws-sdk/client-lambda`
 * and invoked through the whole mesh; each must give the outcome its source records (a test's
 * assertion, a snapshot recorded against AWS, or the documentation that publishes it). The table,
 * with the source of each expectation, is test/e2e/support/lambda-handler-cases.ts. Where fnmesh
 * differs on purpose a case asserts fnmesh's documented behaviour and says where that is written down.
 *
 * The public handlers are others' code and are not committed: FNMESH_TEST_LAMBDA_HANDLERS_DIR names a
 * folder holding them, laid out as test/e2e/support/lambda-handler-sources.md says (repository,
 * commit, path of each). Without it those cases are skipped, saying why; the handlers fnmesh wrote
 * itself from documented outcomes always run.
 *
 * One stack: every runnable function is created up front (a few at a time), then each case's
 * invocations run in turn.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { publicDirSkip, publicZip } from "./support/public-handlers.ts";
import { zipOf } from "./support/zip.ts";
import { caseGroups, ENV_NOT_SET, type Case, type Deployed, type Introspection, type Invocation, type Outcome } from "./support/lambda-handler-cases.ts";

let stack: Stack;
const cases = caseGroups.flatMap(([, list]) => list);

/** Why a case cannot run here (its public handler is not on this machine), or false. */
const skipOf = (c: Case): string | false => ("dir" in c.code ? publicDirSkip(c.code.dir) : false);

const deployed = new Map<Case, Deployed | Error>();

async function deploy(c: Case): Promise<Deployed> {
  const name = randomName("compat").replace(/_/g, "-");
  const created = await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: c.runtime ?? "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: c.handler,
    MemorySize: c.memoryMb ?? 128, Timeout: 10, Code: { ZipFile: "dir" in c.code ? publicZip(c.code.dir, c.code.prefix) : zipOf(c.code.files) },
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
  const queue = cases.filter((c) => skipOf(c) === false);
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
      test(`${c.handler} (${c.runtime ?? "nodejs22.x"}): ${c.title}`, skipOf(c) === false ? { todo: c.todo } : { skip: skipOf(c) }, async () => {
        const fn = deployed.get(c);
        if (fn instanceof Error || fn === undefined) throw fn ?? new Error("not deployed");
        for (const inv of c.invocations) inv.expect(await invoke(fn, inv), fn);
      });
    }
  });
}

const introspection = cases.find((x) => x.title.startsWith("introspection on nodejs22.x"));
test(`Lambda's other variables (${ENV_NOT_SET.join(", ")}) are set`, introspection !== undefined && skipOf(introspection) !== false ? { skip: skipOf(introspection) } : { todo: true }, async () => {
  const c = introspection;
  assert.ok(c !== undefined);
  const fn = deployed.get(c);
  if (fn instanceof Error || fn === undefined) throw fn ?? new Error("not deployed");
  const { environment } = (await invoke(fn, { event: {}, expect: () => undefined })).body as Introspection;
  assert.deepEqual(ENV_NOT_SET.filter((key) => !(key in environment)), []);
});
