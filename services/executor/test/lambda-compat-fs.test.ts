/**
 * Lambda compatibility: node:fs and node:fs/promises inside isolates (issue 17): the function's
 * package read-only at /var/task (EROFS on writes), a writable in-memory /tmp that lives as long as
 * the isolate (as Lambda's /tmp lives with its execution environment), and nothing of the host.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe("Lambda compatibility: node:fs", () => {
  test("reads the package's own files at /var/task (relative paths, __dirname, readdir, stat); writes there are EROFS", async () => {
    const fn = await deployFunction(h, {
      "index.js": `const fs = require("fs");
const path = require("node:path");
exports.handler = async () => {
  const attempt = (f) => { try { f(); return "no error"; } catch (e) { return [e.code, e.message]; } };
  return {
    config: JSON.parse(fs.readFileSync(path.join(__dirname, "config/settings.json"), "utf8")),
    relative: fs.readFileSync("templates/hello.txt", "utf8"),
    bytes: Array.from(fs.readFileSync("/var/task/data.bin")),
    root: fs.readdirSync("/var/task").sort(),
    typed: fs.readdirSync("config", { withFileTypes: true }).map((d) => [d.name, d.isFile()]),
    stat: [fs.statSync("templates/hello.txt").size, fs.statSync("config").isDirectory(), fs.existsSync("missing.txt")],
    dependencyData: JSON.parse(fs.readFileSync("node_modules/dep/package.json", "utf8")).name,
    dependencyCodeLeftOut: fs.existsSync("node_modules/dep/index.js"),
    write: attempt(() => fs.writeFileSync("/var/task/new.txt", "x")),
    missing: attempt(() => fs.readFileSync("/var/task/missing.txt")),
    host: attempt(() => fs.readFileSync("/etc/passwd")),
    hostDir: attempt(() => fs.readdirSync("/proc")),
  };
};`,
      "config/settings.json": JSON.stringify({ table: "orders", retries: 3 }),
      "templates/hello.txt": "Hello, {{name}}!",
      "data.bin": "\u0001\u0002\u0003",
      "node_modules/dep/package.json": JSON.stringify({ name: "dep", main: "index.js" }),
      "node_modules/dep/index.js": "module.exports = 1;",
    });
    assert.deepEqual(okResult(await h.invoke(fn)), {
      config: { table: "orders", retries: 3 },
      relative: "Hello, {{name}}!",
      bytes: [1, 2, 3],
      root: ["config", "data.bin", "index.js", "node_modules", "templates"],
      typed: [["settings.json", true]],
      stat: [16, true, false],
      dependencyData: "dep",
      dependencyCodeLeftOut: false,
      write: ["EROFS", "EROFS: read-only file system, open '/var/task/new.txt'"],
      missing: ["ENOENT", "ENOENT: no such file or directory, open '/var/task/missing.txt'"],
      host: ["ENOENT", "ENOENT: no such file or directory, open '/etc/passwd'"],
      hostDir: ["ENOENT", "ENOENT: no such file or directory, scandir '/proc'"],
    });
  });

  test("/tmp: write, append, mkdir -p, rename, rm, streams and fs/promises; it persists across warm invocations", async () => {
    const fn = await deployFunction(h, `import fs from "node:fs";
import { readFile, writeFile, mkdir, readdir, rm, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
export const handler = async () => {
  const runs = fs.existsSync("/tmp/count") ? Number(fs.readFileSync("/tmp/count", "utf8")) + 1 : 1;
  fs.writeFileSync("/tmp/count", String(runs));
  await mkdir(join(tmpdir(), "a/b/c"), { recursive: true });
  await writeFile("/tmp/a/b/c/file.txt", "one");
  fs.appendFileSync("/tmp/a/b/c/file.txt", " two");
  fs.renameSync("/tmp/a/b/c/file.txt", "/tmp/a/moved.txt");
  await pipeline(fs.createReadStream("/tmp/a/moved.txt"), fs.createWriteStream("/tmp/a/copy.txt"));
  const listed = (await readdir("/tmp/a", { recursive: true })).sort();
  const copy = await readFile("/tmp/a/copy.txt", "utf8");
  const size = (await stat("/tmp/a/copy.txt")).size;
  const notEmpty = await rm("/tmp/a").catch((e) => e.code);
  await rm("/tmp/a", { recursive: true });
  const fd = fs.openSync("/tmp/fd.bin", "w");
  fs.writeSync(fd, Buffer.from([1, 2, 3]));
  fs.closeSync(fd);
  const viaCallback = await new Promise((resolve, reject) => fs.readFile("/tmp/fd.bin", (err, data) => (err ? reject(err) : resolve(Array.from(data)))));
  return { runs, listed, copy, size, notEmpty, gone: fs.existsSync("/tmp/a"), viaCallback };
};`);
    const first = okResult(await h.invoke(fn));
    assert.deepEqual(first, {
      runs: 1, listed: ["b", "b/c", "copy.txt", "moved.txt"], copy: "one two", size: 7, notEmpty: "ERR_FS_EISDIR", gone: false, viaCallback: [1, 2, 3],
    });
    const second = okResult(await h.invoke(fn)) as { runs: number };
    assert.equal(second.runs, 2);
  });

  test("/tmp is bounded by half the function's memory: ENOSPC names the limit", async () => {
    const fn = await deployFunction(h, `import { writeFileSync } from "fs";
export const handler = async () => {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  try { for (let i = 0; i < 8; i++) writeFileSync("/tmp/big" + i, chunk); return "no error"; } catch (e) { return [e.code, e.message]; }
};`);
    const [code, message] = okResult(await h.invoke(fn)) as [string, string];
    assert.equal(code, "ENOSPC");
    assert.match(message, /^ENOSPC: no space left on device, write '\/tmp\/big\d' \(fnmesh keeps \/tmp in the isolate's memory: at most 67108864 bytes, half the function's memory size\)$/);
  });
});
