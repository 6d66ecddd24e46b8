import assert from "node:assert/strict";
import { test } from "node:test";
import { compileAllowList, parseEgressAllow } from "./allow-list.ts";

test("parseEgressAllow splits, trims and skips empty entries", () => {
  assert.deepEqual(parseEgressAllow(undefined), { entries: [], problems: [] });
  assert.deepEqual(parseEgressAllow(""), { entries: [], problems: [] });
  assert.deepEqual(
    parseEgressAllow(" api.internal , 127.0.0.1:8080,,10.0.0.0/8, *.svc.test ,[::1]:9000, fd00::/8, ::1, [fd00::/8]:443, 10.0.0.0/8:5432, Bücher.example "),
    {
      entries: ["api.internal", "127.0.0.1:8080", "10.0.0.0/8", "*.svc.test", "[::1]:9000", "fd00::/8", "::1", "[fd00::/8]:443", "10.0.0.0/8:5432", "Bücher.example"],
      problems: [],
    },
  );
});

test("parseEgressAllow reports every invalid entry", () => {
  const { entries, problems } = parseEgressAllow("ok.example,10.0.0.0/33,host:0,host:99999,*,a..b,[::1,1.2.3.4/8/9,fe80::/129,http://x,2130706433,0x7f.1,::ffff:0:0/64");
  assert.deepEqual(entries, ["ok.example"]);
  assert.deepEqual(problems, [
    '"10.0.0.0/33": prefix length must be 0-32',
    '"host:0": port must be 1-65535',
    '"host:99999": port must be 1-65535',
    '"*": not a host name, *.suffix, host:port, IP address or CIDR',
    '"a..b": not a host name, *.suffix, host:port, IP address or CIDR',
    '"[::1": missing ]',
    '"1.2.3.4/8/9": prefix length must be 0-32',
    '"fe80::/129": prefix length must be 0-128',
    '"http://x": port must be 1-65535',
    '"2130706433": looks like an IP address in a legacy form; write it as a.b.c.d',
    '"0x7f.1": looks like an IP address in a legacy form; write it as a.b.c.d',
    '"::ffff:0:0/64": an IPv4-mapped prefix must be /96 or longer; write the IPv4 CIDR',
  ]);
});

test("compileAllowList keeps what each entry means", () => {
  const { rules } = compileAllowList(["*.Svc.Test", "api.internal:8443", "10.0.0.0/8", "[::1]:9000", "::ffff:127.0.0.0/104", "xn--bcher-kva.example", "Bücher.example"]);
  assert.deepEqual(
    rules.map((r) => (r.kind === "host" ? [r.kind, r.name, r.wildcard, r.port] : [r.kind, r.range[0].toString(), r.range[1], r.port])),
    [
      ["host", "svc.test", true, undefined],
      ["host", "api.internal", false, 8443],
      ["cidr", "10.0.0.0", 8, undefined],
      ["cidr", "::1", 128, 9000],
      ["cidr", "127.0.0.0", 8, undefined],
      ["host", "xn--bcher-kva.example", false, undefined],
      ["host", "xn--bcher-kva.example", false, undefined],
    ],
  );
});

test("compileAllowList throws one TypeError naming all invalid entries", () => {
  assert.throws(() => compileAllowList(["ok", "bad:port", "10.0.0.0/40"]), {
    name: "TypeError",
    message: 'invalid egress allow list: "bad:port": port must be 1-65535; "10.0.0.0/40": prefix length must be 0-32',
  });
});
