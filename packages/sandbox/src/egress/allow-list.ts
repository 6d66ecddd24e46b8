import { domainToASCII } from "node:url";
import ipaddr from "ipaddr.js";
import { parseAddress, type IpAddress } from "./address-class.ts";

/**
 * One compiled `FNMESH_EGRESS_ALLOW` entry. A host rule matches the URL's host name; a CIDR rule
 * (a bare IP is a /32 or /128) matches a resolved address. `port` restricts either to one port.
 */
export type AllowRule =
  | { kind: "host"; entry: string; name: string; wildcard: boolean; port?: number }
  | { kind: "cidr"; entry: string; range: [IpAddress, number]; port?: number };

/** A compiled allow list: the global `EgressPolicy.allow` or a function's narrowing. */
export interface EgressAllowList {
  readonly rules: readonly AllowRule[];
}

/** `parseEgressAllow`'s result: the entries to pass on, and one problem per invalid entry. */
export interface ParsedEgressAllow {
  entries: string[];
  problems: string[];
}

/**
 * Splits an `FNMESH_EGRESS_ALLOW` value (comma-separated hosts, `*.suffix` wildcards, host:port,
 * IPs or CIDRs) and checks every entry, so `loadConfig` can report all problems at once.
 */
export function parseEgressAllow(value: string | undefined): ParsedEgressAllow {
  const entries: string[] = [];
  const problems: string[] = [];
  for (const raw of (value ?? "").split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const rule = parseRule(entry);
    if (typeof rule === "string") problems.push(rule);
    else entries.push(entry);
  }
  return { entries, problems };
}

/** Compiles entries; throws a TypeError naming every invalid one (config should have caught it). */
export function compileAllowList(entries: readonly string[]): EgressAllowList {
  const rules: AllowRule[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const rule = parseRule(entry.trim());
    if (typeof rule === "string") problems.push(rule);
    else rules.push(rule);
  }
  if (problems.length > 0) throw new TypeError(`invalid egress allow list: ${problems.join("; ")}`);
  return { rules };
}

/** Whether some rule opens `address` reached as `host:port` (host lower-case, without brackets). */
export function allowListMatches(list: EgressAllowList, host: string, port: number, address: IpAddress): boolean {
  return list.rules.some((rule) => ruleMatches(rule, host, port, address));
}

function ruleMatches(rule: AllowRule, host: string, port: number, address: IpAddress): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  if (rule.kind === "cidr") {
    const [network, bits] = rule.range;
    return address.kind() === network.kind() && address.match(network, bits);
  }
  const name = normalizeHost(host);
  return rule.wildcard ? name.endsWith(`.${rule.name}`) : name === rule.name;
}

/** Lower-case, no trailing dot, no IPv6 brackets: the form hosts are compared in. */
export function normalizeHost(host: string): string {
  let name = host.toLowerCase();
  if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

/** Returns the rule, or a problem sentence naming the entry. */
function parseRule(entry: string): AllowRule | string {
  const problem = (why: string) => `"${entry}": ${why}`;
  if (entry === "") return problem("empty entry");

  // Split off ":port". IPv6 takes a port only in brackets ("[::1]:8080"); an unbracketed entry
  // with several colons is an IPv6 address or CIDR without one.
  let body = entry;
  let portText: string | undefined;
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    if (close < 0) return problem("missing ]");
    body = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return problem("expected :port after ]");
      portText = rest.slice(1);
    }
    if (!body.includes(":")) return problem("brackets are only for IPv6 addresses");
  } else if (entry.split(":").length === 2) {
    const colon = entry.indexOf(":");
    body = entry.slice(0, colon);
    portText = entry.slice(colon + 1);
  }

  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return problem("port must be 1-65535");
  }
  const withPort = <T extends AllowRule>(rule: T): T => (port === undefined ? rule : { ...rule, port });

  if (body.includes("/")) {
    const slash = body.indexOf("/");
    const network = parseAddress(body.slice(0, slash));
    const bitsText = body.slice(slash + 1);
    if (!network) return problem("not a valid CIDR (expected a.b.c.d/n or an IPv6 prefix)");
    const wasMapped = body.includes(":") && network.kind() === "ipv4";
    const max = network.kind() === "ipv4" && !wasMapped ? 32 : 128;
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    if (!(bits >= 0 && bits <= max)) return problem(`prefix length must be 0-${max}`);
    if (wasMapped) {
      // ::ffff:a.b.c.d/n: resolved mapped addresses are compared as IPv4, so compare this as IPv4.
      if (bits < 96) return problem("an IPv4-mapped prefix must be /96 or longer; write the IPv4 CIDR");
      return withPort({ kind: "cidr", entry, range: [network, bits - 96] });
    }
    return withPort({ kind: "cidr", entry, range: [network, bits] });
  }

  const address = parseAddress(body);
  if (address) {
    return withPort({ kind: "cidr", entry, range: [address, address.kind() === "ipv4" ? 32 : 128] });
  }
  if (body.includes(":")) return problem("not a valid IPv6 address (put a port after [address])");

  const wildcard = body.startsWith("*.");
  const name = normalizeHost(domainToASCII(wildcard ? body.slice(2) : body));
  if (name === "" || name.length > 253 || !name.split(".").every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) {
    return problem("not a host name, *.suffix, host:port, IP address or CIDR");
  }
  // "2130706433" or "0x7f.1" would be read as IP addresses by URL parsing; as host names they
  // could never match, so say what to write instead.
  if (ipaddr.isValid(name) || parseAddress(new URL(`http://${name}/`).hostname)) {
    return problem("looks like an IP address in a legacy form; write it as a.b.c.d");
  }
  return withPort({ kind: "host", entry, name, wildcard });
}
