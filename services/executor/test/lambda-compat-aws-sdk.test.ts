/**
 * Lambda compatibility: the AWS SDK for JavaScript v3 inside a function (issue 17, item 2). The
 * function's zip carries the real @aws-sdk/client-s3 and its dependency closure in node_modules, as
 * `npm install` lays it; the SDK takes its Node.js path (node:http/https over the isolate's
 * egress-checked fetch, node:http2 loaded but unused) and talks SigV4 to a real S3-compatible
 * server the harness starts on 127.0.0.1, opened by FNMESH_EGRESS_ALLOW. The host reads and writes
 * the same bucket with the same SDK, so the function's answers are checked against real state.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { packageClosure, randomName, startS3Compatible, type S3CompatibleServer } from "@fnmesh/test-harness";
import type { FunctionSpec } from "@fnmesh/protocol";
import { deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

// A handler as written for Lambda; only the endpoint is an S3-compatible server's. Credentials come
// from the function's environment under names of its own: Lambda (and fnmesh's CreateFunction)
// reserve AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the execution role's.
const HANDLER = `import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const credentials = { accessKeyId: process.env.S3_ACCESS_KEY_ID, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY };
const s3 = new S3Client({ endpoint: process.env.S3_ENDPOINT, forcePathStyle: true, credentials });
const Bucket = process.env.BUCKET;

export const handler = async (event) => {
  switch (event.op) {
    case "put": {
      const out = await s3.send(new PutObjectCommand({ Bucket, Key: event.key, Body: event.body, ContentType: "text/plain; charset=utf-8" }));
      return { status: out.$metadata.httpStatusCode, etag: out.ETag };
    }
    case "putBytes": {
      const out = await s3.send(new PutObjectCommand({ Bucket, Key: event.key, Body: Buffer.from(event.base64, "base64") }));
      return { status: out.$metadata.httpStatusCode, etag: out.ETag };
    }
    case "get": {
      const out = await s3.send(new GetObjectCommand({ Bucket, Key: event.key }));
      const bytes = await out.Body.transformToByteArray();
      return { text: new TextDecoder().decode(bytes), base64: Buffer.from(bytes).toString("base64"), contentType: out.ContentType, length: out.ContentLength, etag: out.ETag };
    }
    case "list": {
      const out = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: event.prefix }));
      return { keys: (out.Contents ?? []).map((o) => o.Key), count: out.KeyCount, truncated: out.IsTruncated };
    }
    case "missing":
      try {
        await s3.send(new GetObjectCommand({ Bucket, Key: event.key }));
        return "found";
      } catch (e) {
        return { name: e.name, isNoSuchKey: e instanceof NoSuchKey, status: e.$metadata?.httpStatusCode, fault: e.$fault };
      }
    case "defaultChain": {
      // No credentials given: the SDK walks its Node.js default chain (env, SSO, ini files,
      // credential_process, web identity, container and instance metadata) inside the isolate.
      const bare = new S3Client({ endpoint: process.env.S3_ENDPOINT, forcePathStyle: true, maxAttempts: 1 });
      try {
        await bare.send(new ListObjectsV2Command({ Bucket }));
        return "answered";
      } catch (e) {
        return { name: e.name, message: e.message };
      }
    }
    case "elsewhere": {
      const other = new S3Client({ endpoint: event.endpoint, forcePathStyle: true, credentials, maxAttempts: 1 });
      try {
        await other.send(new ListObjectsV2Command({ Bucket }));
        return "answered";
      } catch (e) {
        return { name: e.name, code: e.code, message: e.message };
      }
    }
  }
  throw new Error("unknown op " + event.op);
};
`;

let s3: S3CompatibleServer;
let h: ExecutorHarness;
let fn: FunctionSpec;
let host: S3Client;
const bucket = randomName("fnmesh").toLowerCase().replace(/[^a-z0-9-]/g, "-");

before(async () => {
  s3 = await startS3Compatible({ buckets: [bucket] });
  h = await startExecutorHarness({ FNMESH_EGRESS_ALLOW: `127.0.0.1:${s3.port}` });
  host = new S3Client({
    endpoint: s3.endpoint, region: s3.region, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const files = { ...packageClosure("@aws-sdk/client-s3"), "index.mjs": HANDLER };
  const started = performance.now();
  fn = await deployFunction(h, files, {
    memoryMb: 256, timeoutSec: 30,
    env: { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, BUCKET: bucket },
  });
  // Reported, not asserted (shared machine): what carrying the SDK costs at deploy.
  const bytes = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  console.log(`# @aws-sdk/client-s3 closure: ${Object.keys(files).length} files, ${(bytes / 1e6).toFixed(1)} MB unzipped; zip + bundle + store ${Math.round(performance.now() - started)} ms`);
});
after(async () => {
  host?.destroy();
  await h?.[Symbol.asyncDispose]();
  await s3?.stop();
});

describe("Lambda compatibility: @aws-sdk/client-s3 inside a function", () => {
  test("PutObject from the function lands in the bucket; GetObject and ListObjectsV2 answer what the bucket holds", async () => {
    const text = "héllo from an isolate ✓";
    const started = performance.now();
    const first = await h.invoke(fn, { op: "put", key: "docs/a.txt", body: text });
    console.log(`# cold first invocation (isolate, module load, PutObject): ${Math.round(performance.now() - started)} ms`);
    const put = okResult(first) as { status: number; etag: string };
    assert.equal(put.status, 200);
    assert.match(put.etag, /^"[0-9a-f]{32}"$/);

    // The host's own SDK sees what the function wrote, and writes one for the function to find.
    const seen = await host.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/a.txt" }));
    assert.equal(await seen.Body?.transformToString(), text);
    assert.equal(seen.ETag, put.etag);
    await host.send(new PutObjectCommand({ Bucket: bucket, Key: "docs/b.txt", Body: "from the host" }));

    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const putBytes = okResult(await h.invoke(fn, { op: "putBytes", key: "bin/all-bytes", base64: bytes.toString("base64") })) as { status: number };
    assert.equal(putBytes.status, 200);

    assert.deepEqual(okResult(await h.invoke(fn, { op: "get", key: "docs/a.txt" })), {
      text, base64: Buffer.from(text).toString("base64"), contentType: "text/plain; charset=utf-8", length: Buffer.byteLength(text), etag: put.etag,
    });
    const got = okResult(await h.invoke(fn, { op: "get", key: "docs/b.txt" })) as { text: string };
    assert.equal(got.text, "from the host");
    const gotBytes = okResult(await h.invoke(fn, { op: "get", key: "bin/all-bytes" })) as { base64: string; length: number };
    assert.equal(gotBytes.base64, bytes.toString("base64"));
    assert.equal(gotBytes.length, 256);

    assert.deepEqual(okResult(await h.invoke(fn, { op: "list", prefix: "docs/" })), { keys: ["docs/a.txt", "docs/b.txt"], count: 2, truncated: false });
  });

  test("GetObject of a missing key throws the SDK's NoSuchKey inside the handler", async () => {
    assert.deepEqual(okResult(await h.invoke(fn, { op: "missing", key: "no/such/key" })), { name: "NoSuchKey", isNoSuchKey: true, status: 404, fault: "client" });
  });

  test("without credentials the SDK's default chain fails, naming node:child_process (its credential_process provider's import)", async () => {
    // fnmesh gives functions no execution-role credentials (Lambda sets AWS_ACCESS_KEY_ID,
    // AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the role, and CreateFunction reserves those
    // names), so the chain's env provider finds nothing and it goes on; on reaching the
    // credential_process provider, whose module requires node:child_process at load, the whole
    // call fails with the isolate's MODULE_NOT_FOUND instead of the SDK's CredentialsProviderError.
    // Handlers must pass credentials (as above); docs/lambda-differences.md says so.
    assert.deepEqual(okResult(await h.invoke(fn, { op: "defaultChain" })), {
      name: "Error", message: "Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available",
    });
  });

  test("an endpoint egress does not allow fails as the SDK's call error carrying the egress code", async () => {
    const result = okResult(await h.invoke(fn, { op: "elsewhere", endpoint: "http://10.20.30.40:9000" })) as { name: string; code: string; message: string };
    assert.equal(result.code, "egress_denied", JSON.stringify(result));
    assert.match(result.message, /10\.20\.30\.40/);
  });
});
