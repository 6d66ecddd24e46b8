import ipaddr from "ipaddr.js";

/** A parsed address; IPv4-mapped IPv6 addresses are already unwrapped to their IPv4 form. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** How an address is treated when no allow-list entry opens it. */
export type AddressClass =
  | { refused: false }
  | { refused: true; /** e.g. "a private address", completing "10.0.0.5 is …" */ description: string };

// Cloud instance-metadata and credential endpoints: refused by default and named as such, because
// "link-local" would not tell a function author why reaching them is dangerous.
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  "169.254.169.254", // AWS, GCP, Azure, OpenStack, DigitalOcean, ... instance metadata
  "169.254.170.2", // AWS ECS task credentials
  "169.254.170.23", // AWS EKS Pod Identity agent
  "100.100.100.200", // Alibaba Cloud
  "168.63.129.16", // Azure WireServer (inside public space, so only this list refuses it)
  "fd00:ec2::254", // AWS IPv6 instance metadata
  "fd00:ec2::23", // AWS EKS Pod Identity agent, IPv6
]);

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  loopback: "a loopback address",
  private: "a private address",
  uniqueLocal: "a private (unique local) address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a carrier-grade NAT (shared) address",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
};

/**
 * Parses an address as a resolver or a URL gives it. IPv4-mapped IPv6 (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`) becomes the embedded IPv4 address: that is where a dual-stack socket connects.
 * Returns undefined for anything that is not a plain IPv4 or IPv6 address.
 */
export function parseAddress(address: string): IpAddress | undefined {
  const text = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  // ipaddr.js also accepts legacy IPv4 forms ("0x7f.1"); resolvers and WHATWG URLs never hand
  // those over, so only the strict forms count as addresses here.
  if (!ipaddr.IPv6.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed;
}

/**
 * Refused unless ipaddr.js calls the address plain "unicast" and it is not a metadata address:
 * loopback, private, link-local, unique-local, CGNAT, multicast, reserved, documentation,
 * benchmarking, 6to4, Teredo, NAT64 and IPv4-compatible (`::a.b.c.d`) addresses are all refused.
 */
export function classifyAddress(address: IpAddress): AddressClass {
  // Zone ids (fe80::1%eth0) never reach the metadata set; the range check refuses them anyway.
  if (METADATA_ADDRESSES.has(address.toString())) {
    return { refused: true, description: "a cloud metadata address" };
  }
  const range = address.range();
  if (range !== "unicast") {
    return { refused: true, description: DESCRIPTIONS[range] ?? `a reserved address (${range})` };
  }
  if (address.kind() === "ipv6") {
    const parts = (address as ipaddr.IPv6).parts;
    // ::/96 other than :: and ::1 (ipaddr.js names those): deprecated IPv4-compatible addresses,
    // which some stacks still route to the embedded IPv4 address.
    if (parts.slice(0, 6).every((p) => p === 0)) {
      return { refused: true, description: "a reserved address (IPv4-compatible IPv6)" };
    }
  }
  return { refused: false };
}
