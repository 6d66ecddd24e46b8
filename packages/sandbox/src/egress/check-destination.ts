import { classifyAddress, parseAddress } from "./address-class.ts";
import { allowListMatches, normalizeHost, type EgressAllowList } from "./allow-list.ts";

/** Where one hop of a fetch goes: the URL's host and port, and every address the host resolved to. */
export interface Destination {
  /** URL host name, or the IP literal (IPv6 with or without brackets). */
  host: string;
  port: number;
  addresses: readonly string[];
}

export type DestinationVerdict =
  | { allowed: true }
  | { allowed: false; /** completes "fetch to URL refused: …" */ reason: string };

/**
 * Pure policy decision for one hop. Every address must pass: an address in a refused range
 * (see `classifyAddress`) needs an entry of `allow` matching it; with `narrowTo` set, every
 * address must also match one of its entries, so narrowing can only take away.
 */
export function checkDestination(
  destination: Destination,
  allow: EgressAllowList,
  narrowTo?: EgressAllowList,
): DestinationVerdict {
  const host = normalizeHost(destination.host);
  const { port } = destination;
  if (destination.addresses.length === 0) {
    return { allowed: false, reason: `${host} did not resolve to any address` };
  }
  for (const text of destination.addresses) {
    const address = parseAddress(text);
    if (!address) return { allowed: false, reason: `${host} resolved to "${text}", which is not an IP address` };
    const shown = address.toString();
    const subject = shown === host ? `${shown} is` : parseAddress(host) ? `${host} maps to ${shown},` : `${host} resolves to ${shown},`;

    const cls = classifyAddress(address);
    if (cls.refused && !allowListMatches(allow, host, port, address)) {
      return { allowed: false, reason: `${subject} ${cls.description} (open it with FNMESH_EGRESS_ALLOW)` };
    }
    if (narrowTo && !allowListMatches(narrowTo, host, port, address)) {
      const where = shown === host ? `${shown}:${port}` : `${host}:${port} (${shown})`;
      return { allowed: false, reason: `${where} is not in this function's FNMESH_EGRESS_ALLOW` };
    }
  }
  return { allowed: true };
}
