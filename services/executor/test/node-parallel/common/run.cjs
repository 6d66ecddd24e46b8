'use strict';
// Runs one Node test file inside the isolate as Node's test runner would judge it: it passes when
// loading it throws nothing, its callbacks throw nothing (an uncaught error fails the invocation),
// and once it has settled (or after `settleMs`) every mustCall holds, 'exit' listeners included.
const state = require('./state.cjs');

const TICK_MS = 5;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error) {
  if (error === null || typeof error !== 'object') return `thrown: ${String(error)}`;
  const head = `${error.name || 'Error'}${error.code ? ` [${error.code}]` : ''}: ${String(error.message).split('\n').slice(0, 6).join('\n')}`;
  const frame = String(error.stack || '').split('\n').find((line) => line.includes('/test/parallel/test-'));
  return frame ? `${head}\n${frame.trim()}` : head;
}

function unmet() {
  return state.expectations.filter((e) => (e.kind === 'exactly' ? e.actual !== e.count : e.actual < e.count));
}

async function run(load, settleMs) {
  try {
    load();
  } catch (error) {
    if (error instanceof state.Skip) return { status: 'skip', reason: `common.skip: ${error.message}` };
    return { status: 'fail', reason: describe(error) };
  }
  // Node ends a test when its event loop is empty; an isolate cannot see its loop, so wait until
  // every expected call happened, then a little longer for calls that should not happen.
  const deadline = Date.now() + settleMs;
  while (Date.now() < deadline && unmet().some((e) => e.actual < e.count)) await sleep(TICK_MS);
  await sleep(50);
  try {
    process.emit('exit', 0);
  } catch (error) {
    return { status: 'fail', reason: `in an 'exit' listener: ${describe(error)}` };
  }
  const missed = unmet();
  if (missed.length > 0) {
    const e = missed[0];
    return { status: 'fail', reason: `mustCall: expected ${e.kind} ${e.count} call(s) of ${e.name}, got ${e.actual}${missed.length > 1 ? `; ${missed.length - 1} more unmet` : ''}` };
  }
  return { status: 'pass' };
}

module.exports = { run };
