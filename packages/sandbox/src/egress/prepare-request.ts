/**
 * Request headers the fetcher drops from user input: the connection and framing are the host's
 * business (undici sets `host` from the URL and `content-length` from the body), and a user-set
 * `host` would pick another virtual host (and TLS server name) than the name the policy checked.
 */
export const STRIPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "http2-settings",
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Leading and trailing HTTP whitespace is removed, as the Headers class does.
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const CASE_NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Returns the method as fetch normalises it, or a problem sentence. */
export function normalizeMethod(method: string): string | { problem: string } {
  if (!TOKEN.test(method)) return { problem: `"${method}" is not a valid HTTP method` };
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) return { problem: `the ${upper} method is not allowed` };
  return CASE_NORMALIZED_METHODS.has(upper) ? upper : method;
}

/**
 * Validates names and values, lower-cases names, drops `STRIPPED_REQUEST_HEADERS` and `proxy-*`,
 * and adds `user-agent` when missing. Order and repeated names are kept.
 */
export function prepareHeaders(
  headers: readonly (readonly [string, string])[],
  userAgent: string,
): [string, string][] | { problem: string } {
  const out: [string, string][] = [];
  for (const [rawName, rawValue] of headers) {
    if (!TOKEN.test(rawName)) return { problem: `"${rawName}" is not a valid header name` };
    const value = rawValue.replace(EDGE_WHITESPACE, "");
    if (/[\0\r\n]/.test(value)) return { problem: `the value of header "${rawName}" contains a NUL, CR or LF` };
    const name = rawName.toLowerCase();
    if (STRIPPED_REQUEST_HEADERS.has(name) || name.startsWith("proxy-")) continue;
    out.push([name, value]);
  }
  if (!out.some(([name]) => name === "user-agent")) out.push(["user-agent", userAgent]);
  return out;
}
