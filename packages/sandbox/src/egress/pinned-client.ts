import type { LookupAddress, LookupOptions } from "node:dns";
import { Client } from "undici";
import type { IpAddress } from "./address-class.ts";
import { normalizeHost } from "./allow-list.ts";

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * An undici Client for `url`'s origin whose sockets can only reach `addresses`, the ones the policy
 * checked: its `lookup` answers for the URL's host name with those addresses and never asks DNS
 * again, so a rebinding resolver cannot swap in another address between check and connect.
 * The URL keeps the host name, so the Host header, TLS SNI and certificate verification still use it.
 * One client per hop; the caller destroys it when the hop is done.
 */
export function createPinnedClient(url: URL, addresses: readonly IpAddress[], ca?: readonly string[]): Client {
  const host = normalizeHost(url.hostname);
  const pinned: LookupAddress[] = addresses.map((a) => ({ address: a.toString(), family: a.kind() === "ipv4" ? 4 : 6 }));

  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
    const answer = pinned.filter((a) => !family || a.family === family);
    const first = answer[0];
    if (normalizeHost(hostname) !== host || first === undefined) {
      // Unreachable with undici as configured (it looks up the URL's host once per connection).
      const err: NodeJS.ErrnoException = new Error(`egress: no checked address for ${hostname}`);
      err.code = "ENOTFOUND";
      process.nextTick(callback, err, "", 0);
      return;
    }
    if (options.all) process.nextTick(callback, null, answer);
    else process.nextTick(callback, null, first.address, first.family);
  };

  return new Client(url.origin, {
    connect: { lookup, ...(ca ? { ca: [...ca] } : {}) },
    // Hops never share a socket: one request per connection, closed by the caller.
    pipelining: 1,
  });
}
