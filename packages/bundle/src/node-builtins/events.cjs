"use strict";
// node:events: the `events` package (Node's own EventEmitter, kept in step by browserify) with
// what Node added or changed since: errorMonitor, ERR_UNHANDLED_ERROR for an unhandled non-Error,
// removeAllListeners() reaching symbol-named events,
// Node's argument errors (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE; not for the
// defaultMaxListeners setter, which `events` makes non-configurable), listenerCount(type, listener),
// and the static getMaxListeners/setMaxListeners/getEventListeners (listeners of an EventEmitter;
// the isolate's EventTarget keeps its listeners to itself).
const EventEmitter = require("events/");
const { inspect } = require("node:util");
const { codedError, describe } = require("./node-errors.cjs");

const proto = EventEmitter.prototype;
const { emit: baseEmit, setMaxListeners: baseSetMaxListeners, listenerCount: baseListenerCount } = proto;
const errorMonitor = Symbol("events.errorMonitor");

function checkListener(listener) {
  if (typeof listener !== "function") {
    throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "listener" argument must be of type function.${describe(listener)}`);
  }
}

function checkCount(n, name) {
  if (typeof n !== "number") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be of type number.${describe(n)}`);
  if (n < 0 || Number.isNaN(n)) throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= 0. Received ${inspect(n)}`);
}

for (const method of ["on", "addListener", "prependListener", "once", "prependOnceListener", "removeListener", "off"]) {
  const original = proto[method];
  if (typeof original !== "function") continue;
  proto[method] = function (type, listener) {
    checkListener(listener);
    return original.apply(this, arguments);
  };
  Object.defineProperty(proto[method], "name", { value: method });
}
proto.on = proto.addListener;
proto.off = proto.removeListener;

proto.emit = function emit(type, ...args) {
  if (type === "error") {
    const events = this._events;
    if (events !== undefined && events[errorMonitor] !== undefined) baseEmit.call(this, errorMonitor, ...args);
    if (events === undefined || events.error === undefined) {
      const [er] = args;
      if (er instanceof Error) throw er;
      let shown;
      try {
        shown = inspect(er);
      } catch {
        shown = er;
      }
      const error = codedError(Error, "ERR_UNHANDLED_ERROR", `Unhandled error. (${shown})`);
      error.context = er;
      throw error;
    }
  }
  return baseEmit.call(this, type, ...args);
};

proto.setMaxListeners = function setMaxListeners(n) {
  checkCount(n, "setMaxListeners");
  return baseSetMaxListeners.call(this, n);
};

// `events` walks string-named events only: symbol-named ones go first, so 'removeListener' sees them.
const baseRemoveAll = proto.removeAllListeners;
proto.removeAllListeners = function removeAllListeners(type) {
  if (arguments.length === 0 && this._events !== undefined && this._events.removeListener !== undefined) {
    for (const key of Object.getOwnPropertySymbols(this._events)) baseRemoveAll.call(this, key);
  }
  return baseRemoveAll.apply(this, arguments);
};

proto.listenerCount = function listenerCount(type, listener) {
  if (listener === undefined || listener === null) return baseListenerCount.call(this, type);
  return this.rawListeners(type).filter((l) => l === listener || l.listener === listener).length;
};

// EventTarget limits set through setMaxListeners; an AbortSignal's default is 0 (no warning), as in Node.
const targetMax = new WeakMap();
const isTarget = (value) => typeof EventTarget === "function" && value instanceof EventTarget;

EventEmitter.errorMonitor = errorMonitor;
EventEmitter.setMaxListeners = function (n = EventEmitter.defaultMaxListeners, ...targets) {
  checkCount(n, "setMaxListeners");
  if (targets.length === 0) EventEmitter.defaultMaxListeners = n;
  for (const target of targets) {
    if (target instanceof EventEmitter) target.setMaxListeners(n);
    else if (isTarget(target)) targetMax.set(target, n);
    else throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "eventTargets" argument must be an instance of EventEmitter or EventTarget.${describe(target)}`);
  }
};
EventEmitter.getMaxListeners = function (emitterOrTarget) {
  if (typeof emitterOrTarget?.getMaxListeners === "function") return emitterOrTarget.getMaxListeners();
  if (isTarget(emitterOrTarget)) {
    if (targetMax.has(emitterOrTarget)) return targetMax.get(emitterOrTarget);
    return typeof AbortSignal === "function" && emitterOrTarget instanceof AbortSignal ? 0 : EventEmitter.defaultMaxListeners;
  }
  throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "emitter" argument must be an instance of EventEmitter or EventTarget.${describe(emitterOrTarget)}`);
};
EventEmitter.getEventListeners = function (emitterOrTarget, type) {
  if (typeof emitterOrTarget?.listeners === "function") return emitterOrTarget.listeners(type);
  if (isTarget(emitterOrTarget)) throw new Error("fnmesh: events.getEventListeners reads an EventEmitter's listeners only; an EventTarget's are not visible in an isolate");
  throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "emitter" argument must be an instance of EventEmitter or EventTarget.${describe(emitterOrTarget)}`);
};

module.exports = EventEmitter;
