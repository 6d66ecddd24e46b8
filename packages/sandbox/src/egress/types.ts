/**
 * Contract between the isolate's `fetch` (prelude + bridge) and the host side that performs it
 * under the egress policy. Bodies travel as bytes; headers as ordered pairs.
 */

export interface EgressRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
  /** "follow" (default, checked hop by hop), "manual" or "error", as in WHATWG fetch. */
  redirect?: "follow" | "manual" | "error";
}

export interface EgressResponse {
  /** Final URL after redirects. */
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
  redirected: boolean;
}

/** Per-call limits; the executor derives them from its config and the invocation's remaining time. */
export interface EgressCallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  maxResponseBytes: number;
  /**
   * The function's own narrowing (its `FNMESH_EGRESS_ALLOW` env var, same syntax as the global one):
   * when set, a destination must match it AND the global policy.
   */
  narrowTo?: readonly string[];
}

export interface EgressFetcher {
  /** Rejects with EgressError for policy refusals, limits and network failures. */
  fetch(request: EgressRequest, options: EgressCallOptions): Promise<EgressResponse>;
}

/** contract: never rename — the isolate shows these codes in its TypeError messages. */
export const EgressErrorCode = {
  Denied: "egress_denied",
  Timeout: "egress_timeout",
  TooLarge: "egress_response_too_large",
  TooManyRedirects: "egress_too_many_redirects",
  InvalidUrl: "egress_invalid_url",
  Network: "egress_network_error",
  Aborted: "egress_aborted",
} as const;
export type EgressErrorCode = (typeof EgressErrorCode)[keyof typeof EgressErrorCode];

export class EgressError extends Error {
  override name = "EgressError";
  readonly code: EgressErrorCode;
  constructor(code: EgressErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
