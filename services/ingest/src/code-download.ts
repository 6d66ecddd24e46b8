/**
 * GetFunction's `Code.Location`: like Lambda's presigned S3 URL, a link that works without AWS
 * credentials for a short time. Signed with HMAC-SHA256 over the zip's hex sha256 and the expiry,
 * keyed by the API secret, so it cannot be forged or extended.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const CODE_PATH = "/_fnmesh/code";
const VALID_MS = 10 * 60 * 1000;

function mac(secret: string, sha256Hex: string, expires: number): string {
  return createHmac("sha256", `fnmesh-code-download:${secret}`).update(`${sha256Hex}\n${expires}`).digest("hex");
}

export function codeLocation(baseUrl: string, secret: string, sha256Hex: string, now = Date.now()): string {
  const expires = Math.floor((now + VALID_MS) / 1000);
  return `${baseUrl}${CODE_PATH}/${sha256Hex}.zip?expires=${expires}&signature=${mac(secret, sha256Hex, expires)}`;
}

/** True when the link is genuine and not expired. */
export function verifyCodeLink(secret: string, sha256Hex: string, expiresRaw: string | undefined, signature: string | undefined, now = Date.now()): boolean {
  const expires = Number(expiresRaw);
  if (!/^[0-9a-f]{64}$/.test(sha256Hex) || !Number.isInteger(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (expires * 1000 < now) return false;
  return timingSafeEqual(Buffer.from(mac(secret, sha256Hex, expires)), Buffer.from(signature));
}
