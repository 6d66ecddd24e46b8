// node:timers/promises over the isolate's own invocation-scoped timers, with Node's AbortError.
function abortError(signal) {
  const error = new Error("The operation was aborted", { cause: signal.reason });
  error.name = "AbortError";
  error.code = "ABORT_ERR";
  return error;
}

function delayed(schedule, cancel, value, options = {}) {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel(handle);
      reject(abortError(signal));
    };
    const handle = schedule(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function setTimeout(delay, value, options) {
  return delayed((fire) => globalThis.setTimeout(fire, delay), globalThis.clearTimeout, value, options);
}

function setImmediate(value, options) {
  return delayed((fire) => globalThis.setImmediate(fire), globalThis.clearImmediate, value, options);
}

async function* setInterval(delay, value, options = {}) {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  let due = 0;
  let wake;
  const tick = () => {
    wake?.();
    wake = undefined;
  };
  const handle = globalThis.setInterval(() => {
    due++;
    tick();
  }, delay);
  signal?.addEventListener("abort", tick, { once: true });
  try {
    for (;;) {
      if (due === 0 && !signal?.aborted) await new Promise((resolve) => (wake = resolve));
      if (signal?.aborted) throw abortError(signal);
      due--;
      yield value;
    }
  } finally {
    globalThis.clearInterval(handle);
    signal?.removeEventListener("abort", tick);
  }
}

module.exports = {
  setTimeout,
  setImmediate,
  setInterval,
  scheduler: { wait: (delay, options) => setTimeout(delay, undefined, options), yield: () => setImmediate() },
};
