import dns from "node:dns";
import tls from "node:tls";
import { fetch as undiciFetch } from "undici";
import { parseAddress, type IpAddress } from "./address-class.ts";
import { compileAllowList, normalizeHost, type EgressAllowList } from "./allow-list.ts";
import { checkDestination } from "./check-destination.ts";
import { createPinnedClient } from "./pinned-client.ts";
import { normalizeMethod, prepareHeaders } from "./prepare-request.ts";
import { readLimited, responseHeaders, wasDecoded } from "./read-response.ts";
import { REDIRECT_STATUSES, redirectRequest, type HopRequest } from "./redirect.ts";
import { abortable, checkUrl, errorText, showUrl, truncate, withoutFragment } from "./url-text.ts";
import {
  EgressError,
  EgressErrorCode,
  type EgressCallOptions,
  type EgressFetcher,
  type EgressRequest,
  type EgressResponse,
} from "./types.ts";

/** Resolves a host name to every address, both families. */
export type EgressLookup = (hostname: string) => Promise<readonly string[]>;

/** Resolved egress configuration (the executor's `loadConfig` builds it from `FNMESH_EGRESS_*`). */
export interface EgressPolicy {
  /** `FNMESH_EGRESS_ALLOW` entries, checked with `parseEgressAllow`: they open refused destinations. */
  allow: readonly string[];
  /** Redirects followed per call in "follow" mode; default 20, as in WHATWG fetch. */
  maxRedirects?: number;
  /** Largest request body; default 6 MiB (Lambda's synchronous payload limit). */
  maxRequestBytes?: number;
  /** Sent when the request has none; default "node", what the same code sends from Node's fetch. */
  userAgent?: string;
  /** Replaces DNS resolution (tests, or a custom resolver); default `dns.lookup` with `all: true`. */
  lookup?: EgressLookup;
  /** PEM certificates trusted for HTTPS in addition to Node's defaults (internal CAs, tests). */
  ca?: readonly string[];
}

const DEFAULT_MAX_REDIRECTS = 20;
const DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const systemLookup: EgressLookup = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, order: "verbatim" })).map((a) => a.address);

/**
 * The host side of the isolate's `fetch`: checks every hop against the policy, connects only to
 * the addresses it checked, enforces the call's time, size and abort limits, and rejects only
 * with EgressError.
 */
export function createEgressFetcher(policy: EgressPolicy): EgressFetcher {
  const allow = compileAllowList(policy.allow);
  const maxRedirects = policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxRequestBytes = policy.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) throw new RangeError("maxRedirects must be an integer >= 0");
  if (!Number.isInteger(maxRequestBytes) || maxRequestBytes < 0) throw new RangeError("maxRequestBytes must be an integer >= 0");
  const settings: Settings = {
    allow,
    maxRedirects,
    maxRequestBytes,
    userAgent: policy.userAgent ?? "node",
    lookup: policy.lookup ?? systemLookup,
    // `ca` replaces Node's trust store, so extra CAs go on top of the default set.
    ca: policy.ca ? [...tls.getCACertificates("default"), ...policy.ca] : undefined,
  };
  return {
    fetch: (request, options) =>
      egressFetch(settings, request, options).catch((err: unknown) => {
        // Only EgressError leaves: anything else is a malformed call from the bridge or a bug here.
        if (err instanceof EgressError) throw err;
        throw new EgressError(EgressErrorCode.Network, `egress_network_error: fetch failed: ${errorText(err)}`, { cause: err });
      }),
  };
}

interface Settings {
  allow: EgressAllowList;
  maxRedirects: number;
  maxRequestBytes: number;
  userAgent: string;
  lookup: EgressLookup;
  ca: readonly string[] | undefined;
}

async function egressFetch(s: Settings, request: EgressRequest, options: EgressCallOptions): Promise<EgressResponse> {
  const first = prepare(s, request, options);
  // One signal for everything the call does (lookup, connect, redirects, body), aborted by
  // whichever comes first: the time limit or the caller.
  const controller = new AbortController();
  let stopped: "timeout" | "aborted" | undefined;
  const stop = (why: "timeout" | "aborted", reason: unknown) => {
    stopped ??= why;
    controller.abort(reason);
  };
  const onAbort = () => stop("aborted", options.signal.reason);
  if (options.signal.aborted) onAbort();
  else if (!(options.timeoutMs > 0)) stop("timeout", new Error("egress timeout"));
  options.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop("timeout", new Error("egress timeout")), Math.max(0, options.timeoutMs) || 0);

  const state = { current: first.hop, redirects: 0 };
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    return await follow(s, first.narrowTo, request, options, state, controller.signal);
  } catch (err) {
    if (err instanceof EgressError) throw err;
    const url = showUrl(state.current.url);
    if (stopped === "timeout") {
      throw new EgressError(EgressErrorCode.Timeout, `egress_timeout: fetch to ${url} did not complete within ${options.timeoutMs} ms`, { cause: err });
    }
    if (stopped === "aborted") {
      throw new EgressError(EgressErrorCode.Aborted, `egress_aborted: fetch to ${url} was aborted`, { cause: err });
    }
    throw new EgressError(EgressErrorCode.Network, `egress_network_error: fetch to ${url} failed: ${errorText(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
  }
}

/** Validates the request up front, before any timer or socket exists. */
function prepare(s: Settings, request: EgressRequest, options: EgressCallOptions) {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new EgressError(EgressErrorCode.InvalidUrl, `egress_invalid_url: "${truncate(request.url)}" is not a valid URL`);
  }
  const invalid = (why: string) => new EgressError(EgressErrorCode.InvalidUrl, `egress_invalid_url: fetch to ${showUrl(url)}: ${why}`);
  const urlProblem = checkUrl(url);
  if (urlProblem) throw invalid(urlProblem);

  const method = normalizeMethod(request.method);
  if (typeof method !== "string") throw invalid(method.problem);
  const headers = prepareHeaders(request.headers, s.userAgent);
  if (!Array.isArray(headers)) throw invalid(headers.problem);
  const body = request.body;
  if (body && (method === "GET" || method === "HEAD")) throw invalid(`a ${method} request cannot have a body`);
  if (body && body.byteLength > s.maxRequestBytes) {
    throw new EgressError(
      EgressErrorCode.Denied,
      `egress_denied: fetch to ${showUrl(url)} refused: the request body is ${body.byteLength} bytes, over the ${s.maxRequestBytes}-byte limit`,
    );
  }

  let narrowTo: EgressAllowList | undefined;
  if (options.narrowTo) {
    try {
      narrowTo = compileAllowList(options.narrowTo);
    } catch (err) {
      // Fail closed: a typo in the function's own list must not widen anything.
      throw new EgressError(
        EgressErrorCode.Denied,
        `egress_denied: fetch to ${showUrl(url)} refused: this function's FNMESH_EGRESS_ALLOW is invalid (${errorText(err)})`,
      );
    }
  }
  const hop: HopRequest = { url, method, headers, body };
  return { hop, narrowTo };
}

/** Sends hop after hop until a response that is not a redirect to follow. */
async function follow(
  s: Settings,
  narrowTo: EgressAllowList | undefined,
  request: EgressRequest,
  options: EgressCallOptions,
  state: { current: HopRequest; redirects: number },
  signal: AbortSignal,
): Promise<EgressResponse> {
  const originalUrl = state.current.url;
  const mode = request.redirect ?? "follow";
  for (;;) {
    const hop = state.current;
    const shown = state.redirects === 0 ? showUrl(hop.url) : `${showUrl(hop.url)} (redirected from ${showUrl(originalUrl)})`;
    const addresses = await resolve(s, narrowTo, hop.url, shown, signal);
    const client = createPinnedClient(hop.url, addresses, s.ca);
    try {
      const response = await undiciFetch(hop.url, {
        method: hop.method,
        headers: hop.headers,
        body: hop.body,
        // Each hop is checked here, so undici must never follow one itself.
        redirect: "manual",
        signal,
        dispatcher: client,
      });

      const location = response.headers.get("location");
      if (mode !== "manual" && REDIRECT_STATUSES.has(response.status) && location !== null) {
        response.body?.cancel().catch(() => {});
        if (mode === "error") {
          throw new EgressError(
            EgressErrorCode.Network,
            `egress_network_error: fetch to ${shown} got a ${response.status} redirect, and redirect is "error"`,
          );
        }
        state.redirects += 1;
        if (state.redirects > s.maxRedirects) {
          throw new EgressError(
            EgressErrorCode.TooManyRedirects,
            `egress_too_many_redirects: fetch to ${showUrl(originalUrl)} was redirected more than ${s.maxRedirects} times`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, hop.url);
        } catch {
          throw new EgressError(EgressErrorCode.InvalidUrl, `egress_invalid_url: fetch to ${shown} was redirected to "${truncate(location)}", which is not a valid URL`);
        }
        const problem = checkUrl(next);
        if (problem) {
          throw new EgressError(EgressErrorCode.InvalidUrl, `egress_invalid_url: fetch to ${shown} was redirected to ${showUrl(next)}: ${problem}`);
        }
        state.current = redirectRequest(hop, response.status, next);
        continue;
      }

      const decoded = wasDecoded(hop.method, response.status, response.headers.get("content-encoding"));
      const tooLarge = () =>
        new EgressError(EgressErrorCode.TooLarge, `egress_response_too_large: response from ${showUrl(hop.url)} exceeded ${options.maxResponseBytes} bytes`);
      const declared = response.headers.get("content-length");
      if (!decoded && hop.method !== "HEAD" && declared !== null && /^\d+$/.test(declared) && Number(declared) > options.maxResponseBytes) {
        response.body?.cancel().catch(() => {});
        throw tooLarge();
      }
      const body = await readLimited(response, options.maxResponseBytes);
      if (body === undefined) throw tooLarge();
      return {
        url: withoutFragment(hop.url),
        status: response.status,
        statusText: response.statusText,
        headers: responseHeaders(response, decoded),
        body,
        redirected: state.redirects > 0,
      };
    } finally {
      client.destroy().catch(() => {});
    }
  }
}

/** Resolves the hop's host and applies the policy; returns the addresses the connection may use. */
async function resolve(
  s: Settings,
  narrowTo: EgressAllowList | undefined,
  url: URL,
  shown: string,
  signal: AbortSignal,
): Promise<IpAddress[]> {
  const host = normalizeHost(url.hostname);
  let texts: readonly string[];
  if (parseAddress(host)) {
    texts = [host];
  } else {
    try {
      texts = await abortable(s.lookup(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      const code = (err as { code?: unknown } | null)?.code;
      throw new EgressError(
        EgressErrorCode.Network,
        `egress_network_error: fetch to ${shown} failed: could not resolve ${host}${typeof code === "string" ? ` (${code})` : ""}`,
        { cause: err },
      );
    }
  }
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const verdict = checkDestination({ host, port, addresses: texts }, s.allow, narrowTo);
  if (!verdict.allowed) {
    throw new EgressError(EgressErrorCode.Denied, `egress_denied: fetch to ${shown} refused: ${verdict.reason}`);
  }
  // checkDestination has parsed every address, so none is undefined here.
  return texts.map((t) => parseAddress(t) as IpAddress);
}
