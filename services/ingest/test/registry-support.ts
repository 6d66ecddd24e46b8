/** Helpers shared by the registry-*.test.ts files: a function that returns an env var, and log lines by message. */
import assert from "node:assert/strict";
import { CreateFunctionCommand, InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { randomName } from "@fnmesh/test-harness";
import { zipOf } from "./stack.ts";

export const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");

/** Creates a function whose result is `{ value: process.env.VALUE }`. */
export async function createEnvEcho(lambda: LambdaClient, name: string, value: string): Promise<string> {
  const out = await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/t", Handler: "index.handler",
    Environment: { Variables: { VALUE: value } },
    Code: { ZipFile: zipOf({ "index.mjs": "export const handler = async () => ({ value: process.env.VALUE });" }) },
  }));
  assert.ok(out.RevisionId);
  return out.RevisionId;
}

/** Invokes synchronously and returns the handler's `value`; a function error fails the assertion. */
export async function invokeValue(lambda: LambdaClient, name: string): Promise<string> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode("{}") }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined, new TextDecoder().decode(out.Payload));
  return (JSON.parse(new TextDecoder().decode(out.Payload)) as { value: string }).value;
}

/** The parsed JSON log lines with this message (ingest logs one JSON object per line). */
export function logRecords(logs: string, msg: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of logs.split("\n")) {
    const start = line.indexOf("{");
    if (start < 0 || !line.includes(`"msg":${JSON.stringify(msg)}`)) continue;
    try { out.push(JSON.parse(line.slice(start)) as Record<string, unknown>); } catch { /* not a log record */ }
  }
  return out;
}
