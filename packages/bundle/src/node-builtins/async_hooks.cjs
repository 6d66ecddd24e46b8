// node:async_hooks: AsyncLocalStorage and AsyncResource without V8's promise hooks, which an
// isolate does not offer (Node 24 keeps the context in V8's continuation-preserved embedder data,
// reachable only from C++). The context is one variable, carried explicitly where a callback is
// scheduled: Promise.prototype.then/catch/finally, setTimeout/setInterval/setImmediate,
// queueMicrotask and process.nextTick capture it and restore it around the callback (they are
// wrapped when this module loads). `await` cannot be observed from JavaScript, so run() keeps its
// store current until the promise its callback returned settles: one chain of awaits inside run()
// keeps its store, as in Node. Limits: two run() chains interleaving their awaits see whichever
// store was set last, and code after a run() that returned a promise sees that store until the
// promise settles. createHook() hooks never fire.

/** The current context: a Map from AsyncLocalStorage to store, never changed once current. */
let current = new Map();
const nativeThen = Promise.prototype.then;

function withContext(context, fn, thisArg, args) {
  const saved = current;
  current = context;
  try {
    return Reflect.apply(fn, thisArg, args);
  } finally {
    current = saved;
  }
}

/** `fn` bound to the context current now. */
function capture(fn) {
  if (typeof fn !== "function") return fn;
  const context = current;
  return function (...args) {
    return withContext(context, fn, this, args);
  };
}

// ---- carrying the context across scheduled callbacks ----

let installed = false;
function install() {
  if (installed) return;
  installed = true;
  Object.defineProperty(Promise.prototype, "then", {
    value: function then(onFulfilled, onRejected) {
      return Reflect.apply(nativeThen, this, [capture(onFulfilled), capture(onRejected)]);
    },
    writable: true,
    configurable: true,
  });
  const wrapScheduler = (target, name) => {
    const original = target?.[name];
    if (typeof original !== "function" || original.fnmeshContext === true) return;
    const wrapped = function (callback, ...rest) {
      return Reflect.apply(original, this, [capture(callback), ...rest]);
    };
    wrapped.fnmeshContext = true;
    Object.defineProperty(wrapped, "name", { value: name });
    target[name] = wrapped;
  };
  for (const name of ["setTimeout", "setInterval", "setImmediate", "queueMicrotask"]) wrapScheduler(globalThis, name);
  wrapScheduler(globalThis.process, "nextTick");
  // node:timers read the globals when it loaded; its object gets the wrapped ones too.
  const timers = require("node:timers");
  for (const name of ["setTimeout", "setInterval", "setImmediate"]) timers[name] = globalThis[name];
}

// ---- AsyncLocalStorage ----

class AsyncLocalStorage {
  #enabled = false;

  static bind(fn) {
    return capture(fn);
  }

  static snapshot() {
    const context = current;
    return (fn, ...args) => withContext(context, fn, undefined, args);
  }

  getStore() {
    return this.#enabled ? current.get(this) : undefined;
  }

  #with(store) {
    this.#enabled = true;
    const next = new Map(current);
    next.set(this, store);
    return next;
  }

  run(store, callback, ...args) {
    install();
    const context = this.#with(store);
    const saved = current;
    current = context;
    let result;
    try {
      result = Reflect.apply(callback, undefined, args);
    } catch (error) {
      current = saved;
      throw error;
    }
    // The callback's awaits resume in microtasks no wrapper sees: keep its context until it settles.
    if (result !== null && typeof result === "object" && typeof result.then === "function") {
      const restore = () => {
        if (current === context) current = saved;
      };
      Reflect.apply(nativeThen, Promise.resolve(result), [restore, restore]);
    } else {
      current = saved;
    }
    return result;
  }

  exit(callback, ...args) {
    const next = new Map(current);
    next.delete(this);
    return withContext(next, callback, undefined, args);
  }

  enterWith(store) {
    install();
    current = this.#with(store);
  }

  disable() {
    this.#enabled = false;
    if (current.has(this)) {
      const next = new Map(current);
      next.delete(this);
      current = next;
    }
  }
}

// ---- AsyncResource ----

let nextAsyncId = 1;

class AsyncResource {
  #context;
  #asyncId;
  #type;

  constructor(type, options) {
    if (typeof type !== "string") {
      const error = new TypeError(`The "type" argument must be of type string.`);
      error.code = "ERR_INVALID_ARG_TYPE";
      throw error;
    }
    install();
    this.#type = type;
    this.#context = current;
    this.#asyncId = ++nextAsyncId;
    this.triggerId = typeof options === "number" ? options : (options?.triggerAsyncId ?? 1);
  }

  static bind(fn, type = "bound-anonymous-fn", thisArg) {
    return new AsyncResource(type).bind(fn, thisArg);
  }

  runInAsyncScope(fn, thisArg, ...args) {
    return withContext(this.#context, fn, thisArg, args);
  }

  bind(fn, thisArg) {
    const resource = this;
    const bound = function (...args) {
      return resource.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args);
    };
    Object.defineProperty(bound, "length", { value: fn.length });
    bound.asyncResource = this;
    return bound;
  }

  emitDestroy() {
    return this;
  }

  asyncId() {
    return this.#asyncId;
  }

  triggerAsyncId() {
    return this.triggerId;
  }

  get type() {
    return this.#type;
  }
}

function createHook() {
  const hook = { enable: () => hook, disable: () => hook };
  return hook;
}

module.exports = {
  AsyncLocalStorage,
  AsyncResource,
  createHook,
  executionAsyncId: () => 1,
  triggerAsyncId: () => 0,
  executionAsyncResource: () => ({}),
  asyncWrapProviders: {},
};
