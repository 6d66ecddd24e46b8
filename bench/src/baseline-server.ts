/**
 * The baseline: "a fresh process per invocation". An unauthenticated HTTP server where each
 * `POST /fn/<name>` spawns a new `node` that imports `<root>/<name>/index.mjs`, calls its `handler`
 * with the request body as the event, and prints the JSON result, which becomes the response.
 *
 * Run as its own process: `node bench/src/baseline-server.ts <root>`. It listens on a free port of
 * 127.0.0.1 and prints `listening <port>` once ready; SIGTERM stops it.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// Runs inside each fresh child: argv[1] is the handler module URL, the event arrives on stdin.
const RUNNER = `
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");
const { handler } = await import(process.argv[1]);
const result = await handler(text ? JSON.parse(text) : {});
process.stdout.write(JSON.stringify(result));
`;

const root = process.argv[2];
if (!root) {
  process.stderr.write("usage: node bench/src/baseline-server.ts <handlers-root>\n");
  process.exit(2);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => done(Buffer.concat(chunks)));
    req.on("error", fail);
  });
}

function invoke(moduleUrl: string, event: Buffer): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", RUNNER, moduleUrl], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { err += c.toString(); });
    child.on("error", (e) => done({ ok: false, out, err: e.message }));
    child.on("close", (code) => done({ ok: code === 0, out, err }));
    child.stdin.end(event);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "GET" && url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  const m = /^\/fn\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
  if (req.method !== "POST" || !m) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    return;
  }
  const event = await readBody(req);
  const result = await invoke(pathToFileURL(join(root ?? "", m[1] ?? "", "index.mjs")).href, event);
  if (result.ok) res.writeHead(200, { "content-type": "application/json" }).end(result.out);
  else res.writeHead(502, { "content-type": "text/plain" }).end(result.err || "handler process failed");
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(err));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
process.on("SIGINT", () => server.close(() => process.exit(0)));
