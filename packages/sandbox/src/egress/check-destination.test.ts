import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileAllowList } from "./allow-list.ts";
import { checkDestination, type Destination } from "./check-destination.ts";

const none = compileAllowList([]);

function reason(destination: Destination, allow = none, narrowTo?: ReturnType<typeof compileAllowList>): string | undefined {
  const verdict = checkDestination(destination, allow, narrowTo);
  return verdict.allowed ? undefined : verdict.reason;
}

/** A literal-IP destination, as the fetcher builds it for http://ADDRESS:port/. */
const literal = (address: string, port = 80): Destination => ({ host: address, port, addresses: [address] });

describe("checkDestination: refused by default", () => {
  const cases: [string, string][] = [
    ["127.0.0.1", "127.0.0.1 is a loopback address"],
    ["127.8.9.10", "127.8.9.10 is a loopback address"],
    ["::1", "::1 is a loopback address"],
    ["10.0.0.5", "10.0.0.5 is a private address"],
    ["172.16.0.1", "172.16.0.1 is a private address"],
    ["172.31.255.255", "172.31.255.255 is a private address"],
    ["192.168.1.1", "192.168.1.1 is a private address"],
    ["169.254.169.254", "169.254.169.254 is a cloud metadata address"],
    ["169.254.170.2", "169.254.170.2 is a cloud metadata address"],
    ["100.100.100.200", "100.100.100.200 is a cloud metadata address"],
    ["fd00:ec2::254", "fd00:ec2::254 is a cloud metadata address"],
    ["169.254.1.1", "169.254.1.1 is a link-local address"],
    ["100.64.0.1", "100.64.0.1 is a carrier-grade NAT (shared) address"],
    ["100.127.255.254", "100.127.255.254 is a carrier-grade NAT (shared) address"],
    ["0.0.0.0", "0.0.0.0 is an unspecified address"],
    ["::", ":: is an unspecified address"],
    ["255.255.255.255", "255.255.255.255 is a broadcast address"],
    ["224.0.0.1", "224.0.0.1 is a multicast address"],
    ["fc00::1", "fc00::1 is a private (unique local) address"],
    ["fdff:ffff::1", "fdff:ffff::1 is a private (unique local) address"],
    ["fe80::1", "fe80::1 is a link-local address"],
    ["febf::1", "febf::1 is a link-local address"],
    ["192.0.2.1", "192.0.2.1 is a reserved address (reserved)"],
    ["240.0.0.1", "240.0.0.1 is a reserved address (reserved)"],
    ["2001:db8::1", "2001:db8::1 is a reserved address (reserved)"],
    ["2002:7f00:1::", "2002:7f00:1:: is a reserved address (6to4)"],
    ["64:ff9b::7f00:1", "64:ff9b::7f00:1 is a reserved address (rfc6052)"],
    ["::7f00:1", "::7f00:1 is a reserved address (IPv4-compatible IPv6)"],
  ];
  for (const [address, expected] of cases) {
    test(address, () => {
      assert.equal(reason(literal(address)), `${expected} (open it with FNMESH_EGRESS_ALLOW)`);
    });
  }

  test("IPv4-mapped IPv6 is judged by its embedded IPv4 address", () => {
    assert.match(reason(literal("::ffff:127.0.0.1")) ?? "", /maps to 127\.0\.0\.1, a loopback address/);
    assert.match(reason(literal("::ffff:7f00:1")) ?? "", /maps to 127\.0\.0\.1, a loopback address/);
    assert.match(reason(literal("::ffff:a9fe:a9fe")) ?? "", /maps to 169\.254\.169\.254, a cloud metadata address/);
    assert.equal(reason(literal("::ffff:5db8:d822")), undefined); // 93.184.216.34
  });

  test("a host name resolving to a private address", () => {
    assert.equal(
      reason({ host: "internal.example", port: 443, addresses: ["10.1.2.3"] }),
      "internal.example resolves to 10.1.2.3, a private address (open it with FNMESH_EGRESS_ALLOW)",
    );
  });

  test("one public and one private address: refused", () => {
    assert.match(
      reason({ host: "mixed.example", port: 443, addresses: ["93.184.216.34", "192.168.0.10"] }) ?? "",
      /mixed\.example resolves to 192\.168\.0\.10, a private address/,
    );
    assert.match(reason({ host: "mixed.example", port: 443, addresses: ["2606:4700::1111", "::1"] }) ?? "", /::1, a loopback/);
  });

  test("no address, or something that is not one, is refused", () => {
    assert.match(reason({ host: "empty.example", port: 80, addresses: [] }) ?? "", /did not resolve/);
    assert.match(reason({ host: "odd.example", port: 80, addresses: ["0x7f.1"] }) ?? "", /not an IP address/);
  });
});

describe("checkDestination: public addresses", () => {
  for (const address of ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001:80b::200e"]) {
    test(`${address} is allowed`, () => assert.equal(reason(literal(address, 443)), undefined));
  }
  test("a host name with only public addresses", () => {
    assert.equal(reason({ host: "public.test", port: 443, addresses: ["93.184.216.34", "2606:4700::1111"] }), undefined);
  });
  test("Azure's WireServer is public space but refused as metadata", () => {
    assert.match(reason(literal("168.63.129.16")) ?? "", /cloud metadata address/);
  });
});

describe("checkDestination: the allow list opens refused destinations", () => {
  test("host:port opens only that port", () => {
    const allow = compileAllowList(["127.0.0.1:8080"]);
    assert.equal(reason(literal("127.0.0.1", 8080), allow), undefined);
    assert.match(reason(literal("127.0.0.1", 8081), allow) ?? "", /loopback/);
    assert.match(reason(literal("127.0.0.2", 8080), allow) ?? "", /loopback/);
  });

  test("a CIDR opens every address and port in it", () => {
    const allow = compileAllowList(["127.0.0.0/8", "fd00::/8"]);
    assert.equal(reason(literal("127.0.0.1", 1), allow), undefined);
    assert.equal(reason(literal("127.255.0.9", 65535), allow), undefined);
    assert.equal(reason(literal("fd12::1"), allow), undefined);
    assert.match(reason(literal("::1"), allow) ?? "", /loopback/);
    assert.equal(reason(literal("::ffff:127.0.0.1"), allow), undefined);
  });

  test("a host name opens what it resolves to, whatever that is", () => {
    const allow = compileAllowList(["localhost", "metadata.google.internal"]);
    assert.equal(reason({ host: "localhost", port: 3000, addresses: ["127.0.0.1", "::1"] }, allow), undefined);
    assert.equal(reason({ host: "LocalHost.", port: 3000, addresses: ["127.0.0.1"] }, allow), undefined);
    assert.equal(reason({ host: "metadata.google.internal", port: 80, addresses: ["169.254.169.254"] }, allow), undefined);
    assert.match(reason({ host: "other", port: 80, addresses: ["127.0.0.1"] }, allow) ?? "", /other resolves to 127\.0\.0\.1/);
  });

  test("*.suffix opens subdomains, not the suffix itself", () => {
    const allow = compileAllowList(["*.svc.test"]);
    assert.equal(reason({ host: "api.svc.test", port: 80, addresses: ["10.0.0.1"] }, allow), undefined);
    assert.equal(reason({ host: "a.b.svc.test", port: 80, addresses: ["10.0.0.2"] }, allow), undefined);
    assert.match(reason({ host: "svc.test", port: 80, addresses: ["10.0.0.3"] }, allow) ?? "", /private/);
    assert.match(reason({ host: "evilsvc.test", port: 80, addresses: ["10.0.0.4"] }, allow) ?? "", /private/);
  });

  test("a metadata address opens only when named", () => {
    assert.match(reason(literal("169.254.169.254"), compileAllowList(["10.0.0.0/8"])) ?? "", /metadata/);
    assert.equal(reason(literal("169.254.169.254"), compileAllowList(["169.254.169.254:80"])), undefined);
  });
});

describe("checkDestination: narrowing", () => {
  const allow = compileAllowList(["127.0.0.0/8"]);

  test("a port outside the function's list is refused even though the global list opens it", () => {
    const narrow = compileAllowList(["127.0.0.1:4000"]);
    assert.equal(reason(literal("127.0.0.1", 4000), allow, narrow), undefined);
    assert.equal(reason(literal("127.0.0.1", 4001), allow, narrow), "127.0.0.1:4001 is not in this function's FNMESH_EGRESS_ALLOW");
  });

  test("narrowing never opens what the global policy refuses", () => {
    const narrow = compileAllowList(["10.0.0.0/8"]);
    assert.match(reason(literal("10.0.0.5"), allow, narrow) ?? "", /10\.0\.0\.5 is a private address/);
  });

  test("narrowing restricts public destinations", () => {
    const narrow = compileAllowList(["api.example.com"]);
    assert.equal(reason({ host: "api.example.com", port: 443, addresses: ["93.184.216.34"] }, none, narrow), undefined);
    assert.equal(
      reason({ host: "other.example.com", port: 443, addresses: ["93.184.216.34"] }, none, narrow),
      "other.example.com:443 (93.184.216.34) is not in this function's FNMESH_EGRESS_ALLOW",
    );
  });

  test("an empty narrowing list refuses everything", () => {
    assert.match(reason(literal("93.184.216.34"), none, compileAllowList([])) ?? "", /not in this function's/);
  });
});
