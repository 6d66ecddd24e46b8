/** One hop's request, as the fetcher sends it. */
export interface HopRequest {
  url: URL;
  method: string;
  headers: [string, string][];
  body: Uint8Array | undefined;
}

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

// Dropped when a redirect turns the request into a GET without a body (fetch's request-body-header names).
const BODY_HEADERS = new Set(["content-encoding", "content-language", "content-location", "content-type"]);
// Credentials meant for one origin; WHATWG fetch drops `authorization`, and `cookie` (which server
// runtimes let code set) carries the same risk.
const ORIGIN_CREDENTIAL_HEADERS = new Set(["authorization", "cookie"]);

/** The next hop after a `status` redirect to `location`, per WHATWG fetch's HTTP-redirect fetch. */
export function redirectRequest(current: HopRequest, status: number, location: URL): HopRequest {
  const url = new URL(location);
  if (url.hash === "" && current.url.hash !== "") url.hash = current.url.hash;

  let { method, body } = current;
  let headers = current.headers;
  if (((status === 301 || status === 302) && method === "POST") || (status === 303 && method !== "GET" && method !== "HEAD")) {
    method = "GET";
    body = undefined;
    headers = headers.filter(([name]) => !BODY_HEADERS.has(name));
  }
  if (url.origin !== current.url.origin) {
    headers = headers.filter(([name]) => !ORIGIN_CREDENTIAL_HEADERS.has(name));
  }
  return { url, method, headers, body };
}
