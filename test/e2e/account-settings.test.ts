/**
 * README "Configuration": FNMESH_REGION and FNMESH_ACCOUNT_ID are used in ARNs, and FNMESH_DEFAULT_ROLE
 * (default `arn:aws:iam::<account>:role/fnmesh-function`) is the Role when CreateFunction omits it.
 * Each group runs its own stack with ingest configured that way; clients sign for that region.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand,
  ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import { randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");
const ECHO = zipOf({ "index.mjs": "export const handler = async (e, context) => ({ arn: context.invokedFunctionArn, e });" });

/** CreateFunction with no Role at all: the SDK leaves an undefined member out of the request. */
const createWithoutRole = (stack: Stack, name: string) => stack.lambda.send(new CreateFunctionCommand({
  FunctionName: name, Runtime: "nodejs22.x", Handler: "index.handler", Code: { ZipFile: ECHO }, Role: undefined,
}));

describe("FNMESH_REGION and FNMESH_ACCOUNT_ID", () => {
  const REGION = "eu-west-3";
  const ACCOUNT = "123456789012";
  let stack: Stack;
  before(async () => { stack = await startStack({ ingestEnv: { FNMESH_REGION: REGION, FNMESH_ACCOUNT_ID: ACCOUNT } }); });
  after(async () => { await stack?.[Symbol.asyncDispose](); });

  test("CreateFunction without Role: the FunctionArn names the region and account, the Role defaults to the account's fnmesh-function", async () => {
    const name = fnName("acct");
    const created = await createWithoutRole(stack, name);
    assert.equal(created.FunctionArn, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`);
    assert.equal(created.Role, `arn:aws:iam::${ACCOUNT}:role/fnmesh-function`);
    const listed = (await stack.lambda.send(new ListFunctionsCommand({}))).Functions?.find((f) => f.FunctionName === name);
    assert.equal(listed?.FunctionArn, created.FunctionArn);
    assert.equal(listed?.Role, created.Role);
  });

  test("GetFunction and Invoke accept the partial ARN 123456789012:function:name and the full ARN; context.invokedFunctionArn has the region and account", async () => {
    const name = fnName("partial");
    await createWithoutRole(stack, name);
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    // Lambda's API reference, FunctionName "Name formats": Partial ARN – 123456789012:function:my-function.
    for (const form of [`${ACCOUNT}:function:${name}`, arn]) {
      const fn = await stack.lambda.send(new GetFunctionCommand({ FunctionName: form }));
      assert.equal(fn.Configuration?.FunctionArn, arn, form);
      const cfg = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: form }));
      assert.equal(cfg.FunctionName, name, form);
      const out = await stack.lambda.send(new InvokeCommand({ FunctionName: form, Payload: new TextEncoder().encode('{"n":1}') }));
      assert.equal(out.FunctionError, undefined, form);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(out.Payload)), { arn, e: { n: 1 } }, form);
    }
    // The default account's partial ARN names a function in another account: refused, never mapped onto this one.
    await assert.rejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: `000000000000:function:${name}` })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        // The Lambda SDK models no AccessDeniedException class; the error keeps AWS's name.
        assert.equal(err.name, "AccessDeniedException");
        assert.equal(err.$metadata?.httpStatusCode, 403);
        return true;
      });
  });
});

describe("FNMESH_DEFAULT_ROLE", () => {
  const ROLE = "arn:aws:iam::000000000000:role/fnmesh-e2e-default";
  let stack: Stack;
  before(async () => { stack = await startStack({ ingestEnv: { FNMESH_DEFAULT_ROLE: ROLE } }); });
  after(async () => { await stack?.[Symbol.asyncDispose](); });

  test("is the Role of a function created without one; a given Role is kept", async () => {
    const name = fnName("role");
    const created = await createWithoutRole(stack, name);
    assert.equal(created.Role, ROLE);
    assert.equal((await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Role, ROLE);
    // Defaults: region us-east-1, account 000000000000.
    assert.equal(created.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);

    const own = "arn:aws:iam::000000000000:role/its-own";
    const explicit = await stack.lambda.send(new CreateFunctionCommand({ FunctionName: fnName("ownrole"), Runtime: "nodejs22.x",
      Handler: "index.handler", Code: { ZipFile: ECHO }, Role: own }));
    assert.equal(explicit.Role, own);
  });
});
