/**
 * Host side of the isolate's `fetch` (prelude/fetch.ts): checks what the isolate sent, applies the
 * per-invocation cap and time budget, calls the injected EgressFetcher and turns its answer into
 * data for the isolate. Every fetch of an invocation is aborted when the invocation ends.
 */
import { EgressErrorCode } from "../egress/types.ts";
import type { EgressFetcher, EgressRequest, EgressResponse } from "../egress/types.ts";
import type { FetchWireResult } from "../prelude/types.ts";
import type { Call } from "./call.ts";
import { messageOf } from "./failure.ts";

/** Resolved `IsolateRuntimeOptions.egress`. */
export interface EgressConfig {
  fetcher: EgressFetcher;
  timeoutMs: number;
  maxResponseBytes: number;
  maxPending: number;
}

/** The function's env var that narrows the global egress policy for it. */
export const EGRESS_ALLOW_VAR = "FNMESH_EGRESS_ALLOW";

/** `FNMESH_EGRESS_ALLOW` as a list; absent means no narrowing, empty means nothing is allowed. */
export function narrowToOf(env: Readonly<Record<string, string>>): readonly string[] | undefined {
  if (!Object.hasOwn(env, EGRESS_ALLOW_VAR)) return undefined;
  return (env[EGRESS_ALLOW_VAR] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

const REDIRECTS: ReadonlySet<unknown> = new Set(["follow", "manual", "error"]);
const isText = (value: unknown): value is string => typeof value === "string";

/** The isolate's request as an EgressRequest, or why it is not one. Never trusts its shape. */
export function toEgressRequest(value: unknown): EgressRequest | { problem: string } {
  if (typeof value !== "object" || value === null) return { problem: "malformed request" };
  const v = value as Record<string, unknown>;
  if (!isText(v.url) || !isText(v.method)) return { problem: "malformed request: url and method must be strings" };
  if (!Array.isArray(v.headers) || !v.headers.every((h) => Array.isArray(h) && h.length === 2 && isText(h[0]) && isText(h[1]))) {
    return { problem: "malformed request: headers must be [name, value] pairs" };
  }
  if (v.body !== undefined && !(v.body instanceof Uint8Array)) return { problem: "malformed request: body must be bytes" };
  if (v.redirect !== undefined && !REDIRECTS.has(v.redirect)) return { problem: "malformed request: bad redirect mode" };
  const request: EgressRequest = {
    url: v.url,
    method: v.method,
    headers: (v.headers as [string, string][]).map(([name, val]) => [name, val]),
    redirect: (v.redirect ?? "follow") as "follow" | "manual" | "error",
  };
  if (v.body !== undefined) request.body = v.body;
  return request;
}

/** A copy with its own, exactly sized buffer: a view into a larger (pooled) buffer would carry the rest of it into the isolate. */
function exactBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function toWireResponse(response: EgressResponse): FetchWireResult {
  return {
    ok: true,
    response: {
      url: String(response.url),
      status: Number(response.status),
      statusText: String(response.statusText),
      headers: response.headers.map(([name, value]) => [String(name), String(value)]),
      body: exactBytes(response.body),
      redirected: Boolean(response.redirected),
    },
  };
}

const CODES: ReadonlySet<unknown> = new Set(Object.values(EgressErrorCode));

function toWireError(err: unknown): FetchWireResult {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  // The contract says the fetcher rejects only with EgressError; anything else is a network error.
  return CODES.has(code) ? { ok: false, code: code as string, message: messageOf(err) } : { ok: false, code: EgressErrorCode.Network, message: messageOf(err) };
}

/**
 * Starts fetch `id` of `call`; `deliver` gets its result unless the fetch was aborted or the
 * invocation ended first.
 */
export function startFetch(
  call: Call,
  id: number,
  request: unknown,
  egress: EgressConfig | undefined,
  narrowTo: readonly string[] | undefined,
  deliver: (result: FetchWireResult) => void,
): void {
  if (call.fetches.has(id)) return;
  if (egress === undefined) return deliver({ ok: false, code: EgressErrorCode.Denied, message: "outbound network access is not configured" });
  // The isolate enforces the cap too; never trust it alone.
  if (call.fetches.size >= egress.maxPending) return deliver({ ok: false, code: EgressErrorCode.Denied, message: `too many pending fetches (${egress.maxPending})` });
  const parsed = toEgressRequest(request);
  if ("problem" in parsed) return deliver({ ok: false, code: EgressErrorCode.InvalidUrl, message: parsed.problem });
  const controller = new AbortController();
  call.fetches.set(id, controller);
  const timeoutMs = Math.max(1, Math.min(egress.timeoutMs, call.deadline - Date.now()));
  let pending: Promise<EgressResponse>;
  try {
    pending = egress.fetcher.fetch(parsed, { signal: controller.signal, timeoutMs, maxResponseBytes: egress.maxResponseBytes, ...(narrowTo === undefined ? {} : { narrowTo }) });
  } catch (err) {
    pending = Promise.reject(err);
  }
  void pending
    .then(toWireResponse)
    .catch(toWireError)
    .then((result) => {
      if (call.fetches.get(id) !== controller) return;
      call.fetches.delete(id);
      deliver(result);
    });
}

/** The isolate's AbortSignal fired: it has settled the promise itself. */
export function abortFetch(call: Call, id: number): void {
  const controller = call.fetches.get(id);
  if (controller === undefined) return;
  call.fetches.delete(id);
  controller.abort();
}

export function abortCallFetches(call: Call): void {
  const controllers = [...call.fetches.values()];
  call.fetches.clear();
  for (const controller of controllers) controller.abort();
}
