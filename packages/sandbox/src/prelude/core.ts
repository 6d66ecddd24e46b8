import type { Bridge, ErrorBody, PreludeConfig, Rt, WebInternals } from "./types.ts";

/**
 * In-isolate: creates the prelude's private state. Serialised with `toString()`, so it must stay
 * self-contained. It runs before any user code.
 */
export function createCore(bridge: Bridge, config: PreludeConfig): Rt {
  const noCrash: Promise<ErrorBody> = new Promise(() => {});

  function describe(value: unknown): string {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }

  function isErrorLike(value: unknown): value is { name: unknown; message: unknown; stack: unknown } {
    if (value instanceof Error) return true;
    if (typeof value !== "object" || value === null) return false;
    const v = value as Record<string, unknown>;
    return typeof v.name === "string" && typeof v.message === "string" && typeof v.stack === "string";
  }

  // Frames of the prelude say nothing about the user's code.
  const userFrames = (stack: string): string[] => stack.split("\n").filter((line) => !line.includes("fnmesh:prelude"));

  // As Lambda's runtime (toRapidResponse): Errors keep name/message/stack; anything else reports
  // `typeof value` and its string form.
  function toErrorBody(error: unknown): ErrorBody {
    let body: ErrorBody;
    try {
      if (isErrorLike(error)) {
        const name = typeof error.name === "string" && error.name !== "" ? error.name : (error as object).constructor?.name ?? "Error";
        const message = typeof error.message === "string" ? error.message : describe(error.message);
        const stack = typeof error.stack === "string" ? error.stack : `${name}: ${message}`;
        body = { errorType: name, errorMessage: message, trace: userFrames(stack) };
      } else {
        body = { errorType: typeof error, errorMessage: describe(error), trace: [] };
      }
    } catch {
      // The runtime client's own fallback, word for word (aws/aws-lambda-nodejs-runtime-interface-client:
      // src/Errors.js, toRapidResponse). It has no trace: the host drops this empty one.
      return {
        errorType: "handled",
        errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
        trace: [],
      };
    }
    let logged: string | undefined;
    try {
      logged = loggedForm(error, body);
    } catch {
      logged = undefined; // user code replaced JSON or Object: the response document still goes out
    }
    // A literal, not an assignment: a setter planted on Object.prototype must not see it.
    return logged === undefined ? body : { errorType: body.errorType, errorMessage: body.errorMessage, trace: body.trace, logged };
  }

  // Lambda's runtime logs a failure as `Invoke Error \t<JSON>`: the error with its own enumerable
  // properties, `stack` as an array of lines, nested errors alike; a thrown non-Error is logged as
  // `new Error(String(value))`; if serialising fails, the response document is logged instead.
  // It is a log line: cut at the log cap (the host marks the cut).
  function loggedForm(error: unknown, body: ErrorBody): string {
    const withProperties = (_key: string, value: unknown): unknown => {
      if (!(value instanceof Error)) return value;
      const form: Record<string, unknown> = Object.assign({ errorType: value.name, errorMessage: value.message, code: (value as { code?: unknown }).code } as Record<string, unknown>, value);
      if (typeof value.stack === "string") form.stack = userFrames(value.stack);
      return form;
    };
    let text: unknown;
    try {
      if (error instanceof Error) text = JSON.stringify(error, withProperties);
      else if (isErrorLike(error)) text = JSON.stringify({ errorType: body.errorType, errorMessage: body.errorMessage, stack: body.trace });
      else text = JSON.stringify({ errorType: "Error", errorMessage: body.errorMessage, stack: [`Error: ${body.errorMessage}`] });
    } catch {
      text = undefined;
    }
    const logged = typeof text === "string" ? text : JSON.stringify({ errorType: body.errorType, errorMessage: body.errorMessage, trace: body.trace });
    return logged.length > config.maxLogChars ? logged.slice(0, config.maxLogChars) : logged;
  }

  let crash: (body: ErrorBody) => void = () => {};
  // Lazy modules (rt.register): state, and the accessors standing in for their globals.
  const modules = new Map<string, { needs: readonly string[]; install: (g: Record<string, unknown>, rt: Rt) => void; state: "pending" | "installing" | "done" }>();
  const lazyGetters = new Set<unknown>();
  const lazyNames = new Set<string>();

  const rt: Rt = {
    bridge,
    config,
    seq: 0,
    deadline: 0,
    logsSent: 0,
    logChars: 0,
    logOverflowed: false,
    format: (args) => args.map((a) => describe(a)).join(" "),
    inspect: (value) => describe(value),
    log(level, message) {
      if (rt.seq === 0 || rt.logOverflowed) return;
      rt.logChars += message.length;
      if (rt.logChars > config.maxLogChars) {
        // Tell the host once and stop copying lines across: the host adds the marker line.
        rt.logOverflowed = true;
        rt.logsSent++;
        bridge.log(rt.seq, -1, "", Date.now());
        return;
      }
      rt.logsSent++;
      bridge.log(rt.seq, level, message, Date.now());
    },
    uncaught(error) {
      if (rt.seq === 0) return;
      crash({ ...toErrorBody(error), uncaught: true });
    },
    crashed: noCrash,
    toErrorBody,
    begin(seq, deadline) {
      // A cold start's init and handler share one seq; each phase has its own deadline.
      rt.deadline = deadline;
      if (rt.seq === seq) return;
      rt.seq = seq;
      rt.logsSent = 0;
      rt.logChars = 0;
      rt.logOverflowed = false;
      rt.crashed = new Promise((resolve) => {
        crash = resolve;
      });
    },
    end() {
      for (const cleanup of rt.onEnd) cleanup();
      rt.seq = 0;
      rt.crashed = noCrash;
      crash = () => {};
    },
    onEnd: [],
    fire: () => {},
    fetchDone: () => {},
    // The web-global modules fill in the rest as they are installed.
    web: {
      defineGlobal(name: string, value: unknown): void {
        const current = Reflect.getOwnPropertyDescriptor(globalThis, name);
        // A lazy global that user code assigned (or deleted) before first use keeps its value.
        if (current !== undefined && !(current.get !== undefined && lazyGetters.has(current.get))) return;
        if (current === undefined && lazyNames.has(name)) return;
        Reflect.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
      },
    } as Partial<WebInternals> as WebInternals,
    register(name, needs, globals, install) {
      modules.set(name, { needs, install, state: "pending" });
      for (const global of globals) {
        lazyNames.add(global);
        const get = function (): unknown {
          rt.need(name);
          const now = Reflect.getOwnPropertyDescriptor(globalThis, global);
          return now === undefined || now.get === get ? undefined : (globalThis as Record<string, unknown>)[global];
        };
        lazyGetters.add(get);
        Reflect.defineProperty(globalThis, global, {
          get,
          set(value: unknown) {
            Reflect.defineProperty(globalThis, global, { value, writable: true, configurable: true, enumerable: false });
          },
          configurable: true,
          enumerable: false,
        });
      }
    },
    need(name) {
      const module = modules.get(name);
      if (module === undefined || module.state !== "pending") return;
      module.state = "installing";
      for (const dependency of module.needs) rt.need(dependency);
      module.install(globalThis as unknown as Record<string, unknown>, rt);
      module.state = "done";
    },
    api: {
      load: async () => ({ ok: false, error: toErrorBody(new Error("lambda module missing")), logsSent: 0 }),
      invoke: async () => ({ ok: false, error: toErrorBody(new Error("lambda module missing")), fatal: true, logsSent: 0 }),
      fire: (seq, id) => rt.fire(seq, id),
      fetchDone: (seq, id, result) => rt.fetchDone(seq, id, result),
      ready: () => {},
    },
  };
  return rt;
}
