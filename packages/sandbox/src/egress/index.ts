/** The host side of isolate `fetch`: the policy-enforcing fetcher and its configuration parser. */
export { createEgressFetcher } from "./egress-fetcher.ts";
export type { EgressPolicy, EgressLookup } from "./egress-fetcher.ts";
export { parseEgressAllow } from "./allow-list.ts";
export type { ParsedEgressAllow } from "./allow-list.ts";
