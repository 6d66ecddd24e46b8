/**
 * GetFunction's `Code.Location`: like Lambda's presigned S3 URL, a link that works without AWS
 * credentials for a short time. Signed with HMAC-SHA256 over the function's name, the zip's hex
 * sha256 and the expiry, keyed by the API secret, so it cannot be forged or extended. Zips are
 * shared by content between functions, so the link names its function: the download route serves
 * it only while that function still exists with that code (a deleted function's link stops working).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { FUNCTION_NAME_PATTERN } from "@fnmesh/protocol";

export const CODE_PATH = "/_fnmesh/code";
const VALID_MS = 10 * 60 * 1000;

function mac(secret: string, functionName: string, sha256Hex: string, expires: number): string {
  return createHmac("sha256", `fnmesh-code-download:${secret}`).update(`${functionName}\n${sha256Hex}\n${expires}`).digest("hex");
}

export function codeLocation(baseUrl: string, secret: string, functionName: string, sha256Hex: string, now = Date.now()): string {
  const expires = Math.floor((now + VALID_MS) / 1000);
  return `${baseUrl}${CODE_PATH}/${functionName}/${sha256Hex}.zip?expires=${expires}&signature=${mac(secret, functionName, sha256Hex, expires)}`;
}

/** True when the link is genuine and not expired (whether its function still has that code is the caller's check). */
export function verifyCodeLink(secret: string, functionName: string, sha256Hex: string, expiresRaw: string | undefined,
  signature: string | undefined, now = Date.now()): boolean {
  const expires = Number(expiresRaw);
  if (!FUNCTION_NAME_PATTERN.test(functionName) || !/^[0-9a-f]{64}$/.test(sha256Hex) || !Number.isInteger(expires)
    || !signature || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (expires * 1000 < now) return false;
  return timingSafeEqual(Buffer.from(mac(secret, functionName, sha256Hex, expires)), Buffer.from(signature));
}
