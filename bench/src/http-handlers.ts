/**
 * The HTTP section's handlers, written once and deployed to both sides: as a Lambda function's
 * `index.mjs` for fnmesh and inside a fetch handler module for workerd. Both sides parse the JSON
 * body into an event, call the same function and answer its result as JSON.
 */

/** JSON echo: `{ ok, n, data }` back, so a payload's size is paid on the way in and out. */
const ECHO = "async (event) => ({ ok: true, n: event.n ?? 0, data: event.data })";

/** Awaits a 50 ms timer (no CPU while waiting), then answers like the echo without data. */
export const SLEEP_MS = 50;
const SLEEP = `async (event) => { await new Promise((done) => setTimeout(done, ${SLEEP_MS})); return { ok: true, n: event.n ?? 0 }; }`;

export const HttpHandler = { Echo: "echo", Sleep: "sleep" } as const;
export type HttpHandler = (typeof HttpHandler)[keyof typeof HttpHandler];

const BODIES: Record<HttpHandler, string> = { echo: ECHO, sleep: SLEEP };

/**
 * A Lambda `index.mjs`. `tag` (an exported string: esbuild drops comments) makes each function's
 * bundle unique where code must not be shared (cold starts); functions given the same tag share one
 * bundle, as copies of one zip do.
 */
export function lambdaSource(handler: HttpHandler, tag: string): string {
  return `export const handler = ${BODIES[handler]};\nexport const benchTag = ${JSON.stringify(tag)};\n`;
}

/** A workerd ES module answering every POST with the handler's result: `/<handler>` picks it. */
export function workerdModule(): string {
  const table = Object.entries(BODIES).map(([name, body]) => `  ${JSON.stringify(name)}: ${body},`).join("\n");
  return [
    "const handlers = {",
    table,
    "};",
    "export default {",
    "  async fetch(request) {",
    "    const handler = handlers[new URL(request.url).pathname.slice(1)];",
    "    if (!handler) return new Response(\"no such handler\", { status: 404 });",
    "    const result = await handler(await request.json());",
    "    return new Response(JSON.stringify(result), { headers: { \"content-type\": \"application/json\" } });",
    "  },",
    "};",
    "",
  ].join("\n");
}

/** `{"n":1,"data":"xxx…"}` of exactly `bytes` bytes (at least the size of `{"n":1,"data":""}`). */
export function payloadOfSize(bytes: number): string {
  const empty = JSON.stringify({ n: 1, data: "" });
  return JSON.stringify({ n: 1, data: "x".repeat(Math.max(0, bytes - empty.length)) });
}
