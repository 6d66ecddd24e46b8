/**
 * The outside observer of deploy-stall.ts: GET the URL back to back until stdin closes; one line
 * per request on stdout: `<epoch ms at start> <latency ms>`.
 */
const url = process.argv[2] ?? "";
let running = true;
process.stdin.on("end", () => { running = false; }).resume();
while (running) {
  const at = performance.timeOrigin + performance.now();
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  process.stdout.write(`${at.toFixed(3)} ${(performance.now() - t0).toFixed(3)}\n`);
}
