/**
 * Authentication happens on the headers, before the body: refused requests are answered without
 * their body being buffered, and SigV4 is as strict as AWS's (5-minute skew, scope region/service),
 * for the SDK's form (signed x-amz-content-sha256) and the AWS CLI v2's (without it).
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { CREDENTIALS, signHeaders, startIngestStack, zipOf, type IngestStack } from "./stack.ts";

let stack: IngestStack;
before(async () => { stack = await startIngestStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });
// A top-level beforeEach gets each test's context ("after" tells it from a suite's).
beforeEach((t) => { if ("after" in t) printLogsOnFailure(t, { "ingest and executor": stack }); });

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(MB, 0x61);
const LIST = "/2015-03-31/functions";

interface Answer { status: number; errorType: string | undefined; body: string }

/**
 * POSTs `totalBytes` (a reused 1 MB chunk, so the client holds no big buffer) and resolves with the
 * response; stops sending once the response has arrived. Fails after `timeoutMs` without one.
 */
function streamPost(endpoint: string, path: string, headers: Record<string, string>, totalBytes: number, timeoutMs = 120_000): Promise<Answer> {
  const url = new URL(endpoint);
  return new Promise((resolvePromise, reject) => {
    let answered = false;
    const req = httpRequest({ host: url.hostname, port: Number(url.port), method: "POST", path, agent: false,
      headers: { ...headers, "content-length": String(totalBytes) } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        resolvePromise({ status: res.statusCode ?? 0, errorType: res.headers["x-amzn-errortype"] as string | undefined, body: Buffer.concat(chunks).toString() });
        req.destroy();
      });
    });
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`no response within ${timeoutMs} ms`)); }, timeoutMs);
    // The server may close the connection after answering, while we still send: that is expected.
    req.on("error", (err) => { if (!answered) { clearTimeout(timer); reject(err); } });
    let sent = 0;
    const pump = () => {
      while (!answered && sent < totalBytes) {
        const n = Math.min(MB, totalBytes - sent);
        sent += n;
        if (!req.write(n === MB ? CHUNK : CHUNK.subarray(0, n))) { req.once("drain", pump); return; }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const createBody = (name: string) => JSON.stringify({
  FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
  Code: { ZipFile: Buffer.from(zipOf({ "index.mjs": "export const handler = async () => 'ok';" })).toString("base64") },
});

describe("refused before the body is read", () => {
  test("an unsigned 150 MB body is 403 MissingAuthenticationTokenException, not 413", async () => {
    const answer = await streamPost(stack.endpoint, LIST, { "content-type": "application/json" }, 150 * MB);
    assert.equal(answer.status, 403, answer.body);
    assert.equal(answer.errorType, "MissingAuthenticationTokenException");
    assert.equal(JSON.parse(answer.body).message, "Missing Authentication Token");
  });

  test("eight concurrent unsigned 69 MB POSTs all get 403 while ingest's memory stays bounded", async () => {
    global.gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakBuffers = base.heapUsed + base.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.heapUsed + m.arrayBuffers);
    }, 5);
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () =>
        streamPost(stack.endpoint, `${LIST}/${randomName("f").replace(/_/g, "-")}/invocations`, { "content-type": "application/json" }, 69 * MB)));
      for (const a of answers) {
        assert.equal(a.status, 403, a.body);
        assert.equal(a.errorType, "MissingAuthenticationTokenException");
      }
    } finally {
      clearInterval(sampler);
    }
    // Buffering the bodies would take 8 x 69 MB = 552 MB; the bound is generous for GC noise and the test's own sockets.
    const growthMb = (peakRss - base.rss) / MB;
    const heapGrowthMb = (peakBuffers - base.heapUsed - base.arrayBuffers) / MB;
    assert.ok(growthMb < 160, `rss grew ${growthMb.toFixed(0)} MB`);
    assert.ok(heapGrowthMb < 120, `heap + array buffers grew ${heapGrowthMb.toFixed(0)} MB`);
  });

  test("an unknown access key id is 403 UnrecognizedClientException with a large body", async () => {
    const headers = await signHeaders(stack.endpoint, { method: "POST", path: LIST }, {});
    headers["authorization"] = (headers["authorization"] ?? "").replace(CREDENTIALS.accessKeyId, "AKIDUNKNOWNKEY");
    const answer = await streamPost(stack.endpoint, LIST, headers, 69 * MB);
    assert.equal(answer.status, 403);
    assert.equal(answer.errorType, "UnrecognizedClientException");
    assert.equal(JSON.parse(answer.body).message, "The security token included in the request is invalid.");
  });

  test("a bad signature over the headers (SDK form, signed payload hash) is 403 InvalidSignatureException with a large body", async () => {
    const headers = await signHeaders(stack.endpoint, { method: "POST", path: LIST, body: "{}" }, { contentSha: true });
    headers["authorization"] = (headers["authorization"] ?? "").replace(/Signature=[0-9a-f]{64}/, `Signature=${"0".repeat(64)}`);
    const answer = await streamPost(stack.endpoint, LIST, headers, 69 * MB);
    assert.equal(answer.status, 403);
    assert.equal(answer.errorType, "InvalidSignatureException");
  });

  test("a signed request declaring more than the body limit is 413 before its body", async () => {
    const path = `${LIST}/${randomName("f").replace(/_/g, "-")}/invocations`;
    const headers = await signHeaders(stack.endpoint, { method: "POST", path, body: "{}" }, { contentSha: true });
    const answer = await streamPost(stack.endpoint, path, headers, 150 * MB);
    assert.equal(answer.status, 413);
    assert.equal(answer.errorType, "RequestTooLargeException");
  });
});

describe("the body is checked against the signed hash", () => {
  test("a body that does not match the signed x-amz-content-sha256 is 403", async () => {
    const req = { method: "POST", path: LIST, headers: { "content-type": "application/json" }, body: createBody(randomName("f").replace(/_/g, "-")) };
    const headers = await signHeaders(stack.endpoint, req, { contentSha: true });
    const tampered = req.body.replace("index.handler", "index.handlex");
    const res = await stack.raw({ ...req, headers, body: tampered });
    assert.equal(res.status, 403, res.body);
    assert.equal(res.headers["x-amzn-errortype"], "InvalidSignatureException");
    assert.equal(JSON.parse(res.body).message, "The provided 'x-amz-content-sha256' header does not match what was computed.");
    assert.notEqual(createHash("sha256").update(tampered).digest("hex"), headers["x-amz-content-sha256"]);
  });

  test("the AWS CLI v2's form (no x-amz-content-sha256) creates and lists functions; a changed body is refused", async () => {
    const name = randomName("cli").replace(/_/g, "-");
    const req = { method: "POST", path: LIST, headers: { "content-type": "application/json" }, body: createBody(name) };
    const headers = await signHeaders(stack.endpoint, req, { contentSha: false });
    assert.equal(headers["x-amz-content-sha256"], undefined);
    const bad = await stack.raw({ ...req, headers, body: req.body.replace("index.handler", "index.handlex") });
    assert.equal(bad.status, 403, bad.body);
    assert.equal(bad.headers["x-amzn-errortype"], "InvalidSignatureException");
    const created = await stack.raw(req, { contentSha: false });
    assert.equal(created.status, 201, created.body);
    // The CLI lists with a trailing slash (TOOLCHAIN.md).
    const listed = await stack.raw({ method: "GET", path: `${LIST}/` }, { contentSha: false });
    assert.equal(listed.status, 200, listed.body);
    assert.ok((JSON.parse(listed.body) as { Functions: { FunctionName: string }[] }).Functions.some((f) => f.FunctionName === name));
  });
});

describe("SigV4 as AWS checks it", () => {
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
  const amz = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

  test("a signature 6 minutes old is 'Signature expired' (InvalidSignatureException 403)", async () => {
    const date = minutesAgo(6);
    const res = await stack.raw({ method: "GET", path: LIST }, { date });
    assert.equal(res.status, 403);
    assert.equal(res.headers["x-amzn-errortype"], "InvalidSignatureException");
    // AWS's text (pulumi/pulumi-aws#55): "... is now earlier than <now - 5 min> (<now> - 5 min.)".
    assert.match(JSON.parse(res.body).message, new RegExp(`^Signature expired: ${amz(date)} is now earlier than \\d{8}T\\d{6}Z \\(\\d{8}T\\d{6}Z - 5 min\\.\\)$`));
  });

  test("a signature 6 minutes in the future is 'Signature not yet current'", async () => {
    const date = minutesAgo(-6);
    const res = await stack.raw({ method: "GET", path: LIST }, { date });
    assert.equal(res.status, 403);
    assert.equal(res.headers["x-amzn-errortype"], "InvalidSignatureException");
    // AWS's text (serverless/enterprise#11).
    assert.match(JSON.parse(res.body).message, new RegExp(`^Signature not yet current: ${amz(date)} is still later than \\d{8}T\\d{6}Z \\(\\d{8}T\\d{6}Z \\+ 5 min\\.\\)$`));
  });

  test("a signature 4 minutes old is accepted", async () => {
    const res = await stack.raw({ method: "GET", path: LIST }, { date: minutesAgo(4) });
    assert.equal(res.status, 200, res.body);
  });

  test("a request signed for eu-west-1 is refused by this us-east-1 endpoint", async () => {
    const res = await stack.raw({ method: "GET", path: LIST }, { region: "eu-west-1" });
    assert.equal(res.status, 403);
    assert.equal(res.headers["x-amzn-errortype"], "InvalidSignatureException");
    assert.equal(JSON.parse(res.body).message, "Credential should be scoped to a valid region, not 'eu-west-1'. ");
  });

  test("the SDK still works end to end", async () => {
    const out = await stack.lambda.send(new ListFunctionsCommand({}));
    assert.ok(Array.isArray(out.Functions));
  });
});
