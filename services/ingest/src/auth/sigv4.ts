/**
 * Verifies AWS Signature Version 4 on incoming requests by re-signing the canonical request with the
 * configured key through the AWS SDK's own signer (@smithy/signature-v4) and comparing in constant time.
 * Only the headers the client listed in SignedHeaders take part, so proxies adding headers do no harm.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { LambdaApiError } from "../lambda/errors.ts";

export interface Credentials { accessKeyId: string; secretAccessKey: string }

export interface SignedRequest {
  method: string;
  /** Path exactly as received (still percent-encoded). */
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: Headers;
  body: Uint8Array;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60 * 1000;

const deny = (type: string, message: string) => new LambdaApiError(403, type, message);

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

/** Resolves with the access key id on success; throws a 403 LambdaApiError otherwise. */
export async function verifySigV4(req: SignedRequest, creds: Credentials, service: string, now = new Date()): Promise<string> {
  const auth = req.headers.get("authorization");
  if (!auth) throw deny("MissingAuthenticationTokenException", "Missing Authentication Token");
  const m = AUTH_RE.exec(auth.trim());
  if (!m) throw deny("IncompleteSignatureException", "Authorization header is not a valid AWS Signature Version 4 header.");
  const [, accessKeyId, scopeDate, region, scopeService, signedList, signature] = m as unknown as string[];
  if (accessKeyId !== creds.accessKeyId) {
    throw deny("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (scopeService !== service) throw deny("InvalidSignatureException", `Credential should be scoped to correct service: '${service}'.`);
  const amzDate = req.headers.get("x-amz-date") ?? "";
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(scopeDate ?? "")) {
    throw deny("InvalidSignatureException", "X-Amz-Date is missing or does not match the credential scope date.");
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) {
    throw deny("InvalidSignatureException", "Signature expired: request time is more than 15 minutes from the server time.");
  }

  const signedHeaders = (signedList ?? "").split(";");
  if (!signedHeaders.includes("host")) throw deny("InvalidSignatureException", "'Host' must be a signed header.");
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = req.headers.get(name) ?? "";

  // A declared payload hash must be the real one, or the body could be swapped under a valid signature.
  const bodyHash = createHash("sha256").update(req.body).digest("hex");
  const declared = req.headers.get("x-amz-content-sha256");
  if (declared !== null && declared !== bodyHash) {
    throw deny("InvalidSignatureException", "The provided x-amz-content-sha256 header does not match the request body.");
  }

  const signer = new SignatureV4({
    service, region: region ?? "", sha256: Sha256, uriEscapePath: true, applyChecksum: false,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
  });
  const expected = await signer.sign(
    new HttpRequest({ method: req.method, path: req.rawPath, query: req.query, headers, body: req.body }),
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSig = /Signature=([0-9a-f]{64})/.exec(String(expected.headers["authorization"] ?? ""))?.[1] ?? "";
  const a = Buffer.from(expectedSig);
  const b = Buffer.from(signature ?? "");
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw deny("InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
  }
  return accessKeyId ?? "";
}
