import { test } from "node:test";
import assert from "node:assert/strict";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { verifySigV4, type SignedRequest } from "./sigv4.ts";
import { LambdaApiError } from "../lambda/errors.ts";

const creds = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };
const enc = new TextEncoder();

/** Signs like the AWS SDK does, returning what the server would receive. */
async function signed(opts: { path?: string; body?: string; query?: Record<string, string>; date?: Date; contentSha?: boolean } = {}): Promise<SignedRequest> {
  const body = enc.encode(opts.body ?? '{"a":1}');
  const signer = new SignatureV4({ service: "lambda", region: "us-east-1", credentials: creds, sha256: Sha256, uriEscapePath: true, applyChecksum: opts.contentSha ?? false });
  const req = new HttpRequest({
    method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 8080,
    path: opts.path ?? "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations",
    query: opts.query ?? {}, headers: { host: "127.0.0.1:8080", "content-type": "application/json", "x-amz-invocation-type": "RequestResponse" }, body,
  });
  const out = await signer.sign(req, { signingDate: opts.date ?? new Date() });
  const headers = new Headers();
  for (const [k, v] of Object.entries(out.headers)) headers.set(k, String(v));
  return { method: out.method, rawPath: out.path, query: opts.query ?? {}, headers, body };
}

const rejectsWith = async (p: Promise<unknown>, type: string) =>
  assert.rejects(p, (err: unknown) => err instanceof LambdaApiError && err.aws.type === type && err.aws.status === 403);

test("accepts a request signed by the AWS SDK's signer, with encoded ARN path and query", async () => {
  assert.equal(await verifySigV4(await signed({ query: { Qualifier: "$LATEST" } }), creds, "lambda"), "AKIDTEST");
  assert.equal(await verifySigV4(await signed({ contentSha: true }), creds, "lambda"), "AKIDTEST");
});

test("rejects a wrong secret, an unknown key and a missing header", async () => {
  await rejectsWith(verifySigV4(await signed(), { ...creds, secretAccessKey: "other" }, "lambda"), "InvalidSignatureException");
  await rejectsWith(verifySigV4(await signed(), { ...creds, accessKeyId: "AKIDOTHER" }, "lambda"), "UnrecognizedClientException");
  const req = await signed();
  req.headers.delete("authorization");
  await rejectsWith(verifySigV4(req, creds, "lambda"), "MissingAuthenticationTokenException");
});

test("rejects tampering with body, path, query or a signed header", async () => {
  const body = await signed();
  await rejectsWith(verifySigV4({ ...body, body: enc.encode('{"a":2}') }, creds, "lambda"), "InvalidSignatureException");
  const path = await signed();
  await rejectsWith(verifySigV4({ ...path, rawPath: path.rawPath.replace("function%3Af", "function%3Ag") }, creds, "lambda"), "InvalidSignatureException");
  const query = await signed({ query: { Qualifier: "$LATEST" } });
  await rejectsWith(verifySigV4({ ...query, query: { Qualifier: "1" } }, creds, "lambda"), "InvalidSignatureException");
  const header = await signed();
  header.headers.set("x-amz-invocation-type", "Event");
  await rejectsWith(verifySigV4(header, creds, "lambda"), "InvalidSignatureException");
  const sha = await signed({ contentSha: true });
  await rejectsWith(verifySigV4({ ...sha, body: enc.encode("{}") }, creds, "lambda"), "InvalidSignatureException");
});

test("rejects stale signatures and other services' scopes", async () => {
  await rejectsWith(verifySigV4(await signed({ date: new Date(Date.now() - 20 * 60 * 1000) }), creds, "lambda"), "InvalidSignatureException");
  await rejectsWith(verifySigV4(await signed(), creds, "s3"), "InvalidSignatureException");
});

test("ignores unsigned headers added on the way (proxies)", async () => {
  const req = await signed();
  req.headers.set("x-forwarded-for", "10.0.0.1");
  req.headers.set("user-agent", "changed");
  assert.equal(await verifySigV4(req, creds, "lambda"), "AKIDTEST");
});
