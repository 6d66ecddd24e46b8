import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { authenticateHead, verifySigV4, type SigV4Options, type SignedRequest } from "./sigv4.ts";
import { LambdaApiError } from "../lambda/errors.ts";

const creds = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };
const options: SigV4Options = { credentials: creds, region: "us-east-1", service: "lambda" };
const enc = new TextEncoder();
const NOW = new Date("2024-01-01T00:10:00Z");
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Signs like the AWS SDK does (contentSha: true adds the signed x-amz-content-sha256), returning what the server would receive. */
async function signed(opts: { path?: string; body?: string; query?: Record<string, string>; date?: Date; contentSha?: boolean; region?: string; service?: string } = {}): Promise<SignedRequest> {
  const body = enc.encode(opts.body ?? '{"a":1}');
  const signer = new SignatureV4({ service: opts.service ?? "lambda", region: opts.region ?? "us-east-1", credentials: creds, sha256: Sha256, uriEscapePath: true, applyChecksum: opts.contentSha ?? false });
  const req = new HttpRequest({
    method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 8080,
    path: opts.path ?? "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations",
    query: opts.query ?? {}, headers: { host: "127.0.0.1:8080", "content-type": "application/json", "x-amz-invocation-type": "RequestResponse" }, body,
  });
  const out = await signer.sign(req, { signingDate: opts.date ?? NOW });
  const headers = new Headers();
  for (const [k, v] of Object.entries(out.headers)) headers.set(k, String(v));
  return { method: out.method, rawPath: out.path, query: opts.query ?? {}, headers, body };
}

const rejectsWith = async (p: Promise<unknown>, type: string, message?: string) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof LambdaApiError, String(err));
    assert.equal(err.aws.type, type);
    assert.equal(err.aws.status, 403);
    if (message !== undefined) assert.equal(err.aws.message, message);
    return true;
  });

test("accepts a request signed by the AWS SDK's signer, with encoded ARN path and query, with and without x-amz-content-sha256", async () => {
  assert.equal(await verifySigV4(await signed({ query: { Qualifier: "$LATEST" } }), options, NOW), "AKIDTEST");
  assert.equal(await verifySigV4(await signed({ contentSha: true }), options, NOW), "AKIDTEST");
});

test("with a signed x-amz-content-sha256 the signature is checked before the body, then the body against the hash", async () => {
  const req = await signed({ contentSha: true });
  const pending = await authenticateHead(req, options, NOW);
  assert.equal(pending.declaredSha256, sha(req.body));
  await pending.finish(req.body, sha(req.body));
  const other = enc.encode('{"a":2}');
  // S3's wording for this case (XAmzContentSHA256Mismatch); Lambda documents none.
  await rejectsWith(pending.finish(other, sha(other)), "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  // A declared hash changed on the way breaks the signature itself, before any body.
  req.headers.set("x-amz-content-sha256", sha(other));
  await rejectsWith(authenticateHead(req, options, NOW), "InvalidSignatureException");
  const wrongSecret = await signed({ contentSha: true });
  await rejectsWith(authenticateHead(wrongSecret, { ...options, credentials: { ...creds, secretAccessKey: "other" } }, NOW), "InvalidSignatureException");
});

test("without x-amz-content-sha256 (the AWS CLI's form) the head passes and the signature is checked with the body", async () => {
  const req = await signed();
  assert.equal(req.headers.get("x-amz-content-sha256"), null);
  const pending = await authenticateHead(req, options, NOW);
  assert.equal(pending.declaredSha256, undefined);
  await pending.finish(req.body, sha(req.body));
  const other = enc.encode('{"a":2}');
  await rejectsWith(pending.finish(other, sha(other)), "InvalidSignatureException");
});

test("rejects a wrong secret, an unknown key and a missing header with AWS's types", async () => {
  await rejectsWith(verifySigV4(await signed(), { ...options, credentials: { ...creds, secretAccessKey: "other" } }, NOW), "InvalidSignatureException");
  await rejectsWith(authenticateHead(await signed(), { ...options, credentials: { ...creds, accessKeyId: "AKIDOTHER" } }, NOW),
    "UnrecognizedClientException", "The security token included in the request is invalid.");
  const req = await signed();
  req.headers.delete("authorization");
  await rejectsWith(authenticateHead(req, options, NOW), "MissingAuthenticationTokenException", "Missing Authentication Token");
});

test("rejects tampering with body, path, query or a signed header", async () => {
  const body = await signed();
  await rejectsWith(verifySigV4({ ...body, body: enc.encode('{"a":2}') }, options, NOW), "InvalidSignatureException");
  const path = await signed();
  await rejectsWith(verifySigV4({ ...path, rawPath: path.rawPath.replace("function%3Af", "function%3Ag") }, options, NOW), "InvalidSignatureException");
  const query = await signed({ query: { Qualifier: "$LATEST" } });
  await rejectsWith(verifySigV4({ ...query, query: { Qualifier: "1" } }, options, NOW), "InvalidSignatureException");
  const header = await signed();
  header.headers.set("x-amz-invocation-type", "Event");
  await rejectsWith(verifySigV4(header, options, NOW), "InvalidSignatureException");
});

test("a 5-minute skew window either side, with AWS's texts", async () => {
  // Accepted at the edges.
  assert.equal(await verifySigV4(await signed({ date: minutes(-5) }), options, NOW), "AKIDTEST");
  assert.equal(await verifySigV4(await signed({ date: minutes(5) }), options, NOW), "AKIDTEST");
  // Texts as Lambda answers them (pulumi/pulumi-aws#55; serverless/enterprise#11).
  await rejectsWith(authenticateHead(await signed({ date: new Date("2024-01-01T00:00:00Z") }), options, NOW), "InvalidSignatureException",
    "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)");
  await rejectsWith(authenticateHead(await signed({ date: minutes(6) }), options, NOW), "InvalidSignatureException",
    "Signature not yet current: 20240101T001600Z is still later than 20240101T001500Z (20240101T001000Z + 5 min.)");
});

test("the credential scope must name this endpoint's region and service", async () => {
  await rejectsWith(authenticateHead(await signed({ region: "eu-west-1" }), options, NOW), "InvalidSignatureException",
    "Credential should be scoped to a valid region, not 'eu-west-1'. ");
  await rejectsWith(authenticateHead(await signed({ service: "s3" }), options, NOW), "InvalidSignatureException",
    "Credential should be scoped to correct service: 'lambda'. ");
  await rejectsWith(authenticateHead(await signed({ region: "eu-west-1", service: "s3" }), options, NOW), "InvalidSignatureException",
    "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'lambda'. ");
});

test("host must be signed", async () => {
  const req = await signed();
  const auth = req.headers.get("authorization") ?? "";
  req.headers.set("authorization", auth.replace(/SignedHeaders=[^,]+/, "SignedHeaders=content-type;x-amz-date"));
  await rejectsWith(authenticateHead(req, options, NOW), "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
});

test("ignores unsigned headers added on the way (proxies)", async () => {
  const req = await signed();
  req.headers.set("x-forwarded-for", "10.0.0.1");
  req.headers.set("user-agent", "changed");
  assert.equal(await verifySigV4(req, options, NOW), "AKIDTEST");
});
