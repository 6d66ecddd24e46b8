/**
 * Verifies AWS Signature Version 4 in two steps, so that nothing of an unauthenticated body is read:
 * `authenticateHead` checks what the headers alone can prove (credentials present, key id, scope,
 * date within 5 minutes, and — when the client declared and signed `x-amz-content-sha256`, as the SDK
 * does — the whole signature over that declared hash); `finish` then checks the body against the
 * declared hash, or, for clients that sign without that header (the AWS CLI v2), the full signature.
 * The signature is recomputed by the AWS SDK's own signer (@smithy/signature-v4) and compared in
 * constant time. Only the headers the client listed in SignedHeaders take part, so proxies adding
 * headers do no harm.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from "node:crypto";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { LambdaApiError } from "../lambda/errors.ts";

export interface Credentials { accessKeyId: string; secretAccessKey: string }

export interface SigV4Options {
  credentials: Credentials;
  /** The region this endpoint serves; the credential scope must name it. */
  region: string;
  /** The signing name, `lambda`. */
  service: string;
}

/** What the server knows before reading the body. */
export interface RequestHead {
  method: string;
  /** Path exactly as received (still percent-encoded). */
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: Headers;
}

export interface SignedRequest extends RequestHead { body: Uint8Array }

/** The part of authentication that needs the body. */
export interface PendingAuth {
  readonly accessKeyId: string;
  /** The signed `x-amz-content-sha256` (hex) the body must hash to, when the client sent one. */
  readonly declaredSha256: string | undefined;
  /** Completes authentication; `bodySha256` is the body's hex SHA-256 (computed while it streamed). */
  finish(body: Uint8Array, bodySha256: string): Promise<void>;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
/** AWS accepts request times within 5 minutes either side of its clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

const deny = (type: string, message: string) => new LambdaApiError(403, type, message);
const mismatch = () => deny("InvalidSignatureException",
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");

export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `20240101T001000Z`, the form AWS quotes in its skew errors. */
export function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * AWS's texts (quoted from real responses, e.g. aws/aws-sdk-js#254, pulumi/pulumi-aws#55,
 * serverless/enterprise#11): the SDK retries "Signature expired" after correcting its clock skew.
 */
export function checkClockSkew(amzDate: string, signingDate: Date, now: Date): void {
  const earliest = new Date(now.getTime() - MAX_SKEW_MS);
  const latest = new Date(now.getTime() + MAX_SKEW_MS);
  if (signingDate < earliest) {
    throw deny("InvalidSignatureException",
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(earliest)} (${formatAmzDate(now)} - 5 min.)`);
  }
  if (signingDate > latest) {
    throw deny("InvalidSignatureException",
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(latest)} (${formatAmzDate(now)} + 5 min.)`);
  }
}

/** SHA-256 for the signer from node:crypto (the signer's default is a pure-JS hash, far slower). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string" ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

class NodeSha256 {
  private readonly secret: string | Uint8Array | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
  }
  update(data: SourceData): void { this.hash.update(bytes(data)); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.hash.digest()); }
  reset(): void { this.hash = this.fresh(); }
}

async function expectedSignature(head: RequestHead, options: SigV4Options, signedHeaders: string[], signingDate: Date,
  payload: { declaredSha256: string } | { body: Uint8Array }): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = head.headers.get(name) ?? "";
  // With x-amz-content-sha256 among the headers the signer takes it as the payload hash (the body is not needed).
  if ("declaredSha256" in payload) headers["x-amz-content-sha256"] = payload.declaredSha256;
  const signer = new SignatureV4({
    service: options.service, region: options.region, sha256: NodeSha256, uriEscapePath: true, applyChecksum: false,
    credentials: options.credentials,
  });
  const signed = await signer.sign(
    new HttpRequest({ method: head.method, path: head.rawPath, query: head.query, headers, ...("body" in payload ? { body: payload.body } : {}) }),
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  return /Signature=([0-9a-f]{64})/.exec(String(signed.headers["authorization"] ?? ""))?.[1] ?? "";
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks everything the headers can prove; throws a 403 LambdaApiError otherwise. */
export async function authenticateHead(head: RequestHead, options: SigV4Options, now: Date): Promise<PendingAuth> {
  const auth = head.headers.get("authorization");
  if (!auth) throw deny("MissingAuthenticationTokenException", "Missing Authentication Token");
  const m = AUTH_RE.exec(auth.trim());
  if (!m) throw deny("IncompleteSignatureException", "Authorization header is not a valid AWS Signature Version 4 header.");
  const [, accessKeyId = "", scopeDate = "", region = "", scopeService = "", signedList = "", signature = ""] = m;
  if (accessKeyId !== options.credentials.accessKeyId) {
    throw deny("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  // AWS lists every scope problem in one message, each sentence ending ". " (e.g. joona/aws-es-curl#15's raw body).
  let scopeProblems = "";
  if (region !== options.region) scopeProblems += `Credential should be scoped to a valid region, not '${region}'. `;
  if (scopeService !== options.service) scopeProblems += `Credential should be scoped to correct service: '${options.service}'. `;
  const amzDate = head.headers.get("x-amz-date") ?? "";
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) throw deny("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (!amzDate.startsWith(scopeDate)) {
    scopeProblems += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'. `;
  }
  if (scopeProblems) throw deny("InvalidSignatureException", scopeProblems);
  checkClockSkew(amzDate, signingDate, now);
  const signedHeaders = signedList.split(";");
  if (!signedHeaders.includes("host")) throw deny("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  const declared = head.headers.get("x-amz-content-sha256") ?? undefined;
  if (declared !== undefined && signedHeaders.includes("x-amz-content-sha256")) {
    // The SDK's form: the signature covers the declared hash, so it is checked before any body byte.
    if (!sameSignature(await expectedSignature(head, options, signedHeaders, signingDate, { declaredSha256: declared }), signature)) throw mismatch();
    return {
      accessKeyId, declaredSha256: declared,
      async finish(_body, bodySha256) {
        if (bodySha256 !== declared) {
          throw deny("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
      },
    };
  }
  // The AWS CLI's form: the payload hash is only in the signature, so the body must arrive first.
  return {
    accessKeyId, declaredSha256: declared,
    async finish(body, bodySha256) {
      if (declared !== undefined && declared !== bodySha256) {
        throw deny("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
      if (!sameSignature(await expectedSignature(head, options, signedHeaders, signingDate, { body }), signature)) throw mismatch();
    },
  };
}

/** Both steps at once, for a request whose body is already in hand. Resolves with the access key id. */
export async function verifySigV4(req: SignedRequest, options: SigV4Options, now = new Date()): Promise<string> {
  const pending = await authenticateHead(req, options, now);
  await pending.finish(req.body, createHash("sha256").update(req.body).digest("hex"));
  return pending.accessKeyId;
}
