/**
 * What users get when things go wrong: function errors, timeouts, memory bombs (the executor keeps
 * serving), bad signatures, and malformed requests — each a typed SDK exception.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, GetFunctionConfigurationCommand, InvalidParameterValueException, InvalidRequestContentException,
  InvokeCommand, ListFunctionsCommand, RequestTooLargeException, UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { randomName } from "@fnmesh/test-harness";
import { startStack, CREDENTIALS, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const dec = new TextDecoder();
const json = (payload: Uint8Array | undefined) => JSON.parse(dec.decode(payload));
const fnName = (p: string) => randomName(p).replace(/_/g, "-");

let stack: Stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });

function createInput(name: string, source: string, extra: Record<string, unknown> = {}) {
  return { FunctionName: name, Runtime: "nodejs22.x" as const, Role: "arn:aws:iam::000000000000:role/test",
    Handler: "index.handler", Code: { ZipFile: zipOf({ "index.mjs": source }) }, ...extra };
}

describe("function failures", () => {
  test("a throwing handler is a typed function error with errorType, errorMessage and trace", async () => {
    const name = fnName("throws");
    await stack.lambda.send(new CreateFunctionCommand(createInput(name,
      "class PaymentDeclined extends Error { constructor(m) { super(m); this.name = 'PaymentDeclined'; } }\nexport const handler = async () => { throw new PaymentDeclined('card 4242 declined'); };")));
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail" }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, "Unhandled");
    const body = json(out.Payload);
    assert.equal(body.errorType, "PaymentDeclined");
    assert.equal(body.errorMessage, "card 4242 declined");
    assert.ok(Array.isArray(body.trace) && body.trace.some((l: string) => l.includes("PaymentDeclined")));
    assert.match(Buffer.from(out.LogResult ?? "", "base64").toString(), /\tERROR\tInvoke Error/);
  });

  test("an infinite loop ends with Lambda's timeout error, and the function then works again", async () => {
    const name = fnName("spin");
    // Lambda's default 3 s: the invoke after the timeout must also finish within it, on a loaded machine too.
    await stack.lambda.send(new CreateFunctionCommand(createInput(name,
      "export const handler = async (e) => { if (e.spin) { while (true) {} } return { ok: true }; };", { Timeout: 3 })));
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail", Payload: new TextEncoder().encode('{"spin":true}') }));
    assert.equal(out.FunctionError, "Unhandled");
    const body = json(out.Payload);
    assert.equal(body.errorType, "Sandbox.Timedout");
    assert.match(body.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/);
    assert.match(Buffer.from(out.LogResult ?? "", "base64").toString(), /Task timed out after 3\.00 seconds/);
    const again = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode("{}") }));
    assert.equal(again.FunctionError, undefined);
    assert.deepEqual(json(again.Payload), { ok: true });
  });

  test("a memory bomb fails that invocation only; the next invoke succeeds", async () => {
    const name = fnName("bomb");
    await stack.lambda.send(new CreateFunctionCommand(createInput(name,
      "export const handler = async (e) => { if (e.bomb) { const a = []; while (true) a.push(new Array(1e5).fill(Math.random())); } return { ok: true }; };",
      { MemorySize: 128, Timeout: 30 })));
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode('{"bomb":true}') }));
    assert.equal(out.FunctionError, "Unhandled");
    assert.equal(json(out.Payload).errorType, "Runtime.OutOfMemory");
    const ok = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode("{}") }));
    assert.equal(ok.FunctionError, undefined);
    assert.deepEqual(json(ok.Payload), { ok: true });
  });
});

describe("MemorySize is the isolate's heap limit", () => {
  test("the same 192 MiB allocation is Runtime.OutOfMemory at MemorySize 128 and succeeds after UpdateFunctionConfiguration to 512", async () => {
    const name = fnName("heap");
    // 192 MiB kept live (1 MiB arrays of doubles): half again over 128 MB, well inside 512 MB. The long
    // timeout keeps a slow machine from turning either outcome into a timeout.
    await stack.lambda.send(new CreateFunctionCommand(createInput(name, `export const handler = async (e) => {
  const chunks = [];
  for (let i = 0; i < e.mib; i++) chunks.push(new Array(${1024 * 1024 / 8}).fill(i + 0.5));
  return chunks.length;
};`, { MemorySize: 128, Timeout: 120 })));
    const payload = new TextEncoder().encode('{"mib":192}');
    const small = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
    assert.equal(small.FunctionError, "Unhandled");
    assert.equal(json(small.Payload).errorType, "Runtime.OutOfMemory");

    const cfg = await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 512 }));
    assert.equal(cfg.MemorySize, 512);
    assert.equal((await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).MemorySize, 512);
    const large = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
    assert.equal(large.FunctionError, undefined, new TextDecoder().decode(large.Payload));
    assert.equal(json(large.Payload), 192);
  });
});

describe("authentication", () => {
  test("a wrong secret is refused with 403 InvalidSignatureException", async () => {
    const bad = stack.client({ accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: "not-the-secret" });
    await assert.rejects(bad.send(new ListFunctionsCommand({})), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, "InvalidSignatureException");
      assert.equal(err.$metadata?.httpStatusCode, 403);
      return true;
    });
    bad.destroy();
  });

  test("an unknown access key is refused with 403 UnrecognizedClientException", async () => {
    const bad = stack.client({ accessKeyId: "AKIDUNKNOWN", secretAccessKey: CREDENTIALS.secretAccessKey });
    await assert.rejects(bad.send(new ListFunctionsCommand({})), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, "UnrecognizedClientException");
      assert.equal(err.$metadata?.httpStatusCode, 403);
      return true;
    });
    bad.destroy();
  });

  test("an unsigned request is refused with 403", async () => {
    const res = await fetch(`${stack.endpoint}/2015-03-31/functions/`);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
    assert.match(await res.text(), /"message":"Missing Authentication Token"/);
  });

  test("/healthz needs no signature and reports every service ready", async () => {
    const res = await fetch(`${stack.endpoint}/healthz`);
    assert.equal(res.status, 200);
    const body = await res.json() as { checks: Record<string, string> };
    for (const svc of ["executor", "scheduler", "trigger", "ingest"]) assert.equal(body.checks[svc], "ready", svc);
  });
});

describe("malformed requests are typed 4xx", () => {
  const expectInvalid = async (input: Record<string, unknown>, pattern: RegExp) => {
    await assert.rejects(stack.lambda.send(new CreateFunctionCommand(input as unknown as ConstructorParameters<typeof CreateFunctionCommand>[0])), (err: unknown) => {
      assert.ok(err instanceof InvalidParameterValueException, `got ${(err as Error).name}: ${(err as Error).message}`);
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.message, pattern);
      return true;
    });
  };

  test("a zip that is not a zip", async () => {
    await expectInvalid({ ...createInput(fnName("badzip"), ""), Code: { ZipFile: new TextEncoder().encode("this is not a zip file") } },
      /Could not unzip uploaded file/);
  });

  test("a handler string outside CreateFunction's pattern ^[^\\s]+$ (a Handler without an export is refused only at invoke: lambda-semantics.test.ts)", async () => {
    await expectInvalid(createInput(fnName("badhandler"), "export const handler = 1;", { Handler: "index .handler" }), /handler/);
  });

  test("an unknown runtime", async () => {
    await expectInvalid(createInput(fnName("py"), "", { Runtime: "python3.12" }), /runtime.*nodejs22\.x/);
  });

  test("out-of-range timeout and memory, reserved env vars", async () => {
    await expectInvalid(createInput(fnName("t"), "", { Timeout: 901 }), /timeout/);
    await expectInvalid(createInput(fnName("m"), "", { MemorySize: 64 }), /memorySize/);
    await expectInvalid(createInput(fnName("e"), "", { Environment: { Variables: { AWS_REGION: "x" } } }), /reserved keys.*AWS_REGION/);
  });

  test("an invoke payload over 6 MB is RequestTooLargeException (413)", async () => {
    const name = fnName("big");
    await stack.lambda.send(new CreateFunctionCommand(createInput(name, "export const handler = async (e) => e.length;")));
    const big = new TextEncoder().encode(JSON.stringify({ data: "x".repeat(6 * 1024 * 1024) }));
    await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: big })), (err: unknown) => {
      assert.ok(err instanceof RequestTooLargeException, `got ${(err as Error).name}`);
      assert.equal(err.$metadata.httpStatusCode, 413);
      return true;
    });
    // Just under the limit passes through NATS to the isolate and back.
    const justUnder = new TextEncoder().encode(JSON.stringify("y".repeat(6 * 1024 * 1024 - 100)));
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: justUnder }));
    assert.equal(out.FunctionError, undefined);
    assert.equal(json(out.Payload), 6 * 1024 * 1024 - 100);
  });

  test("an invoke payload that is not JSON is InvalidRequestContentException", async () => {
    const name = fnName("notjson");
    await stack.lambda.send(new CreateFunctionCommand(createInput(name, "export const handler = async (e) => e;")));
    await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode("{nope") })),
      InvalidRequestContentException);
  });
});
