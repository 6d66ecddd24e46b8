/**
 * Seeded fuzzing of the API's parameters — function names and ARNs, qualifiers, markers, MaxItems,
 * Lambda's headers, JSON bodies with wrong types, huge strings and odd unicode — signed with the
 * SDK's signer so they get past authentication. Every answer must be a non-500 with an AWS error
 * shape (x-amzn-ErrorType plus a JSON body with a message) when it is an error, each request must
 * answer within a client-side timeout, and a normal invoke must work afterwards.
 *
 * The seed is printed; FNMESH_FUZZ_SEED=<n> replays a run, FNMESH_FUZZ_COUNT changes the count.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { startIngestStack, zipOf, type RawRequest } from "./stack.ts";

const SEED = Number(process.env.FNMESH_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const COUNT = Number(process.env.FNMESH_FUZZ_COUNT ?? 400);
const REQUEST_TIMEOUT_MS = 60_000;
const API = "/2015-03-31/functions";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fuzzer(random: () => number, liveName: string) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const odd = ["\u0000", "\uffff", "\ud800", "\u202e", "\u200b", "😀", "é", "%", "%00", "%zz", "/", "..", ":", "$", " ", "\\", "'", "\"", "<", "\n", "\t", "*", ">", "."];
  const str = (max: number): string => {
    const kind = int(6);
    if (kind === 0) return "";
    if (kind === 1) return "a".repeat(int(max));
    if (kind === 2) return Array.from({ length: 1 + int(12) }, () => pick(odd)).join("");
    if (kind === 3) return String.fromCharCode(...Array.from({ length: 1 + int(20) }, () => int(0x3000)));
    if (kind === 4) return randomName("fz").replace(/_/g, "-");
    return liveName;
  };
  const name = (): string => pick([
    () => liveName, () => str(100), () => "x".repeat(64), () => "x".repeat(65 + int(300)),
    () => `arn:aws:lambda:us-east-1:000000000000:function:${liveName}`,
    () => `arn:aws:lambda:eu-west-1:000000000000:function:${liveName}`,
    () => `arn:aws:lambda:us-east-1:999999999999:function:${liveName}`,
    () => `arn:aws-cn:lambda:cn-north-1:000000000000:function:${liveName}:${str(10)}`,
    () => `000000000000:function:${liveName}:${pick(["$LATEST", "1", str(20)])}`,
    () => `${liveName}:${str(30)}`,
  ])();
  const qualifier = () => pick(["$LATEST", "1", "", "prod", str(200), "%00", "$latest"]);
  const marker = () => pick([
    Buffer.from(str(40)).toString("base64url"), Buffer.from("\0\uffff").toString("base64url"), str(100), "AAAA", "====",
    Buffer.from(liveName).toString("base64url"), "x".repeat(5000),
  ]);
  const maxItems = () => pick(["0", "1", "50", "10000", "10001", "-1", "1.5", "1e3", "NaN", "", str(20), "9".repeat(40)]);
  const jsonValue = (depth = 0): unknown => {
    const k = int(depth > 2 ? 6 : 9);
    if (k === 0) return null;
    if (k === 1) return random() < 0.5;
    if (k === 2) return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 3, 900, 10241]);
    if (k === 3 || k === 4) return str(k === 4 && random() < 0.1 ? 300_000 : 300);
    if (k === 5) return pick([liveName, "nodejs22.x", "index.handler", "Event", "RequestResponse"]);
    if (k === 6) return Array.from({ length: int(4) }, () => jsonValue(depth + 1));
    return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(["Variables", "ZipFile", "S3Bucket", str(10), "__proto__", "constructor"]), jsonValue(depth + 1)]));
  };
  const zipField = () => pick([
    () => Buffer.from(zipOf({ "index.mjs": "export const handler = async () => 1;" })).toString("base64"),
    () => str(200), () => "UEsDBA==", () => jsonValue(1), () => Buffer.from(str(1000)).toString("base64"),
  ])();
  const configBody = (): Record<string, unknown> => {
    const fields: Record<string, () => unknown> = {
      Runtime: () => pick(["nodejs22.x", "nodejs20.x", "python3.12", str(40), jsonValue()]),
      Handler: () => pick(["index.handler", "a.b", str(200), jsonValue()]),
      Role: () => pick(["arn:aws:iam::000000000000:role/x", str(3000), jsonValue()]),
      Description: () => pick([str(300), jsonValue()]),
      Timeout: () => jsonValue(), MemorySize: () => jsonValue(),
      Environment: () => pick([{ Variables: { [str(20)]: str(100) } }, { Variables: jsonValue() }, jsonValue(), { Variables: { A: "x".repeat(5000) } }]),
      Layers: () => pick([[], [str(20)], jsonValue()]),
      RevisionId: () => pick([str(40), jsonValue()]),
      Publish: () => jsonValue(), PackageType: () => pick(["Zip", "Image", jsonValue()]),
    };
    return Object.fromEntries(Object.entries(fields).filter(() => random() < 0.4).map(([k, f]) => [k, f()]));
  };
  const body = (shape: () => unknown): string => pick([
    () => JSON.stringify(shape()), () => JSON.stringify(shape()), () => JSON.stringify(shape()),
    () => str(500), () => "{", () => "[]", () => "null", () => JSON.stringify(jsonValue()), () => "\ufeff{}",
  ])();
  // Lone surrogates cannot be percent-encoded; they travel as U+FFFD.
  const enc = (s: string) => encodeURIComponent(s.toWellFormed());
  const path = (rawName: string) => pick([enc(rawName), enc(rawName), rawName.replace(/[^\x21-\x7e]/g, "%25")]);
  const query = (entries: [string, string][]) => {
    const parts = entries.filter(() => random() < 0.7).map(([k, v]) => `${k}=${enc(v)}`);
    return parts.length ? `?${parts.join("&")}` : "";
  };
  const headerValue = () => pick(["RequestResponse", "Event", "DryRun", "None", "Tail", "", "x".repeat(4000), "\u00e9\u00ff", str(50).replace(/[^\x20-\x7e]/g, "?")]);

  return (): RawRequest => {
    const op = int(8);
    const fn = path(name());
    switch (op) {
      case 0: return { method: "GET", path: `${API}${pick(["", "/"])}${query([["MaxItems", maxItems()], ["Marker", marker()], ["FunctionVersion", str(10)], ["MasterRegion", str(10)]])}` };
      case 1: return { method: "GET", path: `${API}/${fn}${query([["Qualifier", qualifier()]])}` };
      case 2: return { method: "GET", path: `${API}/${fn}/configuration${query([["Qualifier", qualifier()]])}` };
      case 3: return { method: "DELETE", path: `${API}/${fn}-${int(1e6)}${query([["Qualifier", qualifier()]])}` };
      case 4: return { method: "PUT", path: `${API}/${fn}/configuration`, headers: { "content-type": "application/json" }, body: body(configBody) };
      case 5: return { method: "PUT", path: `${API}/${fn}/code`, headers: { "content-type": "application/json" },
        body: body(() => ({ ZipFile: zipField(), ...(random() < 0.3 ? { DryRun: jsonValue() } : { DryRun: true }), ...(random() < 0.3 ? { RevisionId: jsonValue() } : {}) })) };
      case 6: return { method: "POST", path: `${API}${pick(["", "/"])}`, headers: { "content-type": "application/json" },
        body: body(() => ({ FunctionName: random() < 0.8 ? name() : jsonValue(), Code: random() < 0.8 ? { ZipFile: zipField() } : jsonValue(), ...configBody() })) };
      default: {
        const headers: Record<string, string> = { "content-type": pick(["application/json", "text/plain", "application/octet-stream"]) };
        if (random() < 0.6) headers["x-amz-invocation-type"] = headerValue();
        if (random() < 0.4) headers["x-amz-log-type"] = headerValue();
        if (random() < 0.4) headers["x-amz-client-context"] = pick([Buffer.from(str(100)).toString("base64"), headerValue(), "%%%"]);
        return { method: "POST", path: `${API}/${fn}/invocations${query([["Qualifier", qualifier()]])}`, headers, body: body(jsonValue) };
      }
    }
  };
}

test(`fuzzed API parameters: no 500, no hang, AWS-shaped errors, then a normal invoke works (seed ${SEED})`, async (t) => {
  t.diagnostic(`FNMESH_FUZZ_SEED=${SEED} FNMESH_FUZZ_COUNT=${COUNT}`);
  await using stack = await startIngestStack();
  printLogsOnFailure(t, { "ingest and executor": stack });
  const live = randomName("fuzz").replace(/_/g, "-");
  const create = (name: string, result: unknown) => stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/t", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (e) => ({ result: ${JSON.stringify(result)}, e });` }) },
  }));
  await create(live, "live");
  const next = fuzzer(prng(SEED), live);
  const statuses = new Map<number, number>();
  for (let i = 0; i < COUNT; i++) {
    const req = { ...next(), timeoutMs: REQUEST_TIMEOUT_MS };
    const label = `#${i} (seed ${SEED}) ${req.method} ${req.path.slice(0, 300)}`;
    const res = await stack.raw(req, {}).catch((err: Error) => assert.fail(`${label}: ${err.message}`));
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500 || res.status === 503, `${label}: ${res.status} ${res.body.slice(0, 500)}\n${stack.logs().slice(-3000)}`);
    assert.notEqual(res.status, 503, `${label}: 503 with every dependency up: ${res.body.slice(0, 300)}`);
    if (res.status >= 400) {
      assert.equal(typeof res.headers["x-amzn-errortype"], "string", `${label}: ${res.status} without x-amzn-ErrorType: ${res.body.slice(0, 300)}`);
      const parsed = JSON.parse(res.body) as { message?: unknown };
      assert.equal(typeof parsed.message, "string", `${label}: error body ${res.body.slice(0, 300)}`);
    }
  }
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);

  // The stack still serves: a fresh function deploys and answers a normal invoke.
  const after = randomName("after").replace(/_/g, "-");
  await create(after, 42);
  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: after, Payload: new TextEncoder().encode('{"k":1}') }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.Payload)), { result: 42, e: { k: 1 } });
});
