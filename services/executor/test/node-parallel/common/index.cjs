'use strict';
// fnmesh's stand-in for nodejs/node's test/common (bundled as the isolate's `../common`): the
// helpers the selected test/parallel files call, written from test/common/README.md. mustCall
// expectations are kept in `state` and checked by run.cjs after the file and its callbacks ran;
// a helper the shim lacks throws naming itself, so a failure says what is missing.
const assert = require('assert');
const { inspect } = require('util');
const state = require('./state.cjs');

function noop() {}

function callSite() {
  const line = (new Error().stack || '').split('\n')[3] || '';
  return line.trim().replace(/^at\s+/, '');
}

function expectCalls(fn, count, kind) {
  if (typeof fn === 'number') [fn, count] = [noop, fn];
  if (fn === undefined) fn = noop;
  if (count === undefined) count = 1;
  if (typeof count !== 'number') throw new TypeError(`Invalid ${kind} value: ${count}`);
  const expectation = { kind, count, actual: 0, name: fn.name || '<anonymous>', site: callSite() };
  state.expectations.push(expectation);
  const wrapper = function(...args) {
    expectation.actual++;
    return fn.apply(this, args);
  };
  Object.defineProperty(wrapper, 'length', { value: fn.length });
  Object.defineProperty(wrapper, 'name', { value: fn.name });
  return wrapper;
}

function mustCall(fn, exact) {
  return expectCalls(fn, exact, 'exactly');
}

function mustCallAtLeast(fn, minimum) {
  return expectCalls(fn, minimum, 'at least');
}

function mustNotCall(message) {
  const site = callSite();
  return function mustNotCall(...args) {
    const received = args.length > 0 ? `\ncalled with arguments: ${args.map((arg) => inspect(arg)).join(', ')}` : '';
    assert.fail(`${message || 'function should not have been called'} at ${site}${received}`);
  };
}

function mustSucceed(fn, exact) {
  return mustCall(function(error, ...args) {
    assert.ifError(error);
    if (typeof fn === 'function') return fn.apply(this, args);
  }, exact);
}

function expectsError(validator, exact) {
  return mustCall((...args) => {
    if (args.length !== 1) assert.fail(`Expected one argument, got ${inspect(args)}`);
    const [error] = args;
    assert.strictEqual(Object.prototype.propertyIsEnumerable.call(error, 'message'), false);
    assert.throws(() => { throw error; }, validator);
    return true;
  }, exact);
}

// Node's ERR_INVALID_ARG_TYPE tail (" Received ..."), as its errors describe a value.
function invalidArgTypeHelper(input) {
  if (input == null) return ` Received ${input}`;
  if (typeof input === 'function') return ` Received function ${input.name}`;
  if (typeof input === 'object') {
    if (input.constructor && input.constructor.name) return ` Received an instance of ${input.constructor.name}`;
    return ` Received ${inspect(input, { depth: -1 })}`;
  }
  let shown = inspect(input, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof input} (${shown})`;
}

// expectWarning(type, message, code) or expectWarning({ [type]: [[message, code], ...] | message }):
// a 'warning' listener on process that must see each of them, in order per type.
function expectWarning(nameOrMap, expected, code) {
  let map = nameOrMap;
  if (typeof nameOrMap === 'string') map = { [nameOrMap]: code === undefined ? expected : [[expected, code]] };
  const pending = new Map();
  let total = 0;
  for (const [type, value] of Object.entries(map)) {
    const list = typeof value === 'string' ? [[value]] : Array.isArray(value) && typeof value[0] === 'string' ? [value] : value;
    pending.set(type, list.slice());
    total += list.length;
  }
  process.on('warning', mustCall((warning) => {
    const list = pending.get(warning.name);
    assert.ok(list && list.length > 0, `unexpected warning ${warning.name}: ${warning.message}`);
    const [message, warningCode] = list.shift();
    if (message instanceof RegExp) assert.match(warning.message, message);
    else assert.strictEqual(warning.message, message);
    assert.strictEqual(warning.code, warningCode);
  }, total));
}

const VIEWS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView];

function getArrayBufferViews(buf) {
  const { buffer, byteOffset, byteLength } = buf;
  const views = [];
  for (const View of VIEWS) {
    const size = View.BYTES_PER_ELEMENT || 1;
    if (byteLength % size === 0) views.push(new View(buffer, byteOffset, byteLength / size));
  }
  return views;
}

function getBufferSources(buf) {
  return [...getArrayBufferViews(buf), new Uint8Array(buf).buffer];
}

function skip(message) {
  throw new state.Skip(message);
}

const common = {
  mustCall, mustCallAtLeast, mustNotCall, mustSucceed, expectsError, invalidArgTypeHelper, expectWarning,
  getArrayBufferViews, getBufferSources, skip,
  printSkipMessage: (message) => console.log(`1..0 # Skipped: ${message}`),
  skipIf32Bits: noop,
  platformTimeout: (ms) => ms,
  spawnPromisified: () => { throw new Error('fnmesh: an isolate has no child processes'); },
  // The isolate: Linux-like, release build, crypto and ICU present, not the large-memory machine
  // Node's heaviest tests ask for.
  isWindows: false, isLinux: true, isMacOS: false, isAIX: false, isSunOS: false, isFreeBSD: false,
  isOpenBSD: false, isIBMi: false, isDebug: false, hasCrypto: true, hasIntl: typeof Intl === 'object',
  enoughTestMem: false,
};

module.exports = new Proxy(common, {
  get(target, key) {
    if (typeof key === 'symbol' || key in target || key === 'then' || key === '__esModule') return target[key];
    throw new Error(`fnmesh's common shim has no common.${key}`);
  },
});
