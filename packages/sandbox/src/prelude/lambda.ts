import type { RtWithLoop } from "./event-loop.ts";
import type { ErrorBody, InvokeResult, LoadResult, Rt } from "./types.ts";

/**
 * In-isolate: the Lambda Node.js runtime's part — find the handler, build `context`, call the
 * handler in its async, sync or callback form, and serialise the result. Fills `rt.api`.
 * Serialised with `toString()`: self-contained.
 *
 * What every cold start runs (load, invoke and the functions they call on success) is written as
 * parenthesised function expressions: V8 compiles those with the prelude, so they are in its code
 * cache, instead of compiling them lazily in each new isolate at its first load and invoke (the
 * 0.3 ms by which a cold start had grown since issue 17; docs/node-compat.md). Error paths stay lazy.
 */
export function installLambda(_g: Record<string, unknown>, rt: Rt): void {
  const config = rt.config;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const race = Promise.race.bind(Promise);
  const settledPromise = Promise.resolve();
  const promiseThen = Promise.prototype.then;
  // Records that cross a promise resolution are null-prototype: user code that defines
  // Object.prototype.then must not be able to replace what the host receives.
  const setPrototypeOf = Object.setPrototypeOf;
  const bare = <T extends object>(o: T): T => setPrototypeOf(o, null) as T;
  type Handler = (...args: unknown[]) => unknown;
  /** `failure`: the runtime's own error document for the invocation (the isolate stays usable). */
  type Settled = { value: unknown } | { error: unknown } | { crash: ErrorBody } | { failure: ErrorBody };
  let handler: Handler | null = null;
  // The entry module may call ready() before or after load() starts waiting for it.
  let readyValue: { namespace: unknown } | null = null;
  let announceReady: (namespace: unknown) => void = (namespace) => {
    readyValue = { namespace };
  };

  // The runtime interface client's two messages: nothing (or a falsy value) found, or not callable.
  function handlerNotFound(found: unknown): ErrorBody {
    const problem = found ? "is not a function" : "is undefined or not exported";
    return bare({ errorType: "Runtime.HandlerNotFound", errorMessage: `${config.handlerName} ${problem}`, trace: [] });
  }

  const walk = (function walk(root: unknown): unknown {
    let value = root;
    for (const step of config.exportPath) {
      if (value === null || value === undefined) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  });

  // CommonJS code bundled as ESM puts `module.exports` on `default`. Like Lambda's runtime client,
  // walk the whole path over the module, then over `default`; the first function wins (so a
  // TypeScript-compiled `exports.default = fn` with handler `index.default` resolves). Same rule as
  // @fnmesh/bundle's resolveExport.
  const findHandler = (function findHandler(userModule: unknown): unknown {
    if (userModule === null || userModule === undefined) return undefined;
    const direct = walk(userModule);
    if (typeof direct === "function") return direct;
    const fallback = (userModule as Record<string, unknown>).default;
    if (fallback !== undefined && fallback !== null) {
      const viaDefault = walk(fallback);
      if (typeof viaDefault === "function") return viaDefault;
    }
    return direct;
  });

  const logsSent = (function logsSent(): number {
    return rt.logsSent;
  });

  const load = (async function load(seq: number, deadline: number, entry: unknown): Promise<LoadResult> {
    rt.begin(seq, deadline);
    try {
      let namespace: unknown;
      if (typeof entry === "function") {
        // Script form: the bundle wrapped as an async function returning `userModule`.
        const pending = (entry as () => Promise<unknown>)();
        const settled = (await race([pending.then((userModule) => bare({ value: { userModule } })), rt.crashed.then((crash) => bare({ crash }))])) as Settled;
        if ("crash" in settled) return bare({ ok: false, error: settled.crash, logsSent: logsSent() });
        namespace = (settled as { value: unknown }).value;
      } else {
        // Module form: the entry module calls `ready(namespace)` once the bundle has evaluated.
        const ready = new Promise<unknown>((resolve) => {
          if (readyValue !== null) resolve(readyValue.namespace);
          announceReady = resolve;
        });
        const settled = (await race([ready.then((value) => bare({ value })), rt.crashed.then((crash) => bare({ crash }))])) as Settled;
        if ("crash" in settled) return bare({ ok: false, error: settled.crash, logsSent: logsSent() });
        namespace = (settled as { value: unknown }).value;
      }
      const found = findHandler((namespace as { userModule?: unknown }).userModule);
      if (typeof found !== "function") return bare({ ok: false, error: handlerNotFound(found), logsSent: logsSent() });
      if (!config.supportsCallback && found.length >= 3) {
        return bare({
          ok: false,
          error: {
            errorType: "Runtime.CallbackHandlerDeprecated",
            // The RIC's CALLBACK_ERROR_NODEJS24_ABOVE (src/context/constants.ts).
            errorMessage:
              "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. " +
              "You need to modify this function to use a supported handler signature to use Node.js 24 or later. " +
              "For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.",
            trace: [],
          },
          logsSent: logsSent(),
        });
      }
      handler = found as Handler;
      return bare({ ok: true, logsSent: logsSent() });
    } catch (error) {
      return bare({ ok: false, error: rt.toErrorBody(inEsModuleScope(error)), logsSent: logsSent() });
    }
  });

  /**
   * Node's text for a CommonJS name used in an ES module while it is evaluated
   * (lib/internal/modules/esm/module_job.js): "require is not defined in ES module scope, you can
   * use import instead". In a bundle, CommonJS files get these names from esbuild's wrapper and
   * the bundler (module-scope.ts), so a ReferenceError for one of them at init comes from ESM code.
   */
  function inEsModuleScope(error: unknown): unknown {
    if (error === null || typeof error !== "object") return error;
    const e = error as { name?: unknown; message?: unknown; stack?: unknown };
    if (e.name !== "ReferenceError" || typeof e.message !== "string") return error;
    const name = /^(require|module|exports|__filename|__dirname) is not defined$/.exec(e.message)?.[1];
    if (name === undefined) return error;
    const header = `ReferenceError: ${e.message}`;
    try {
      e.message = `${e.message} in ES module scope${name === "require" ? ", you can use import instead" : ""}`;
      if (typeof e.stack === "string" && e.stack.startsWith(header)) e.stack = `ReferenceError: ${e.message}${e.stack.slice(header.length)}`;
    } catch {
      // A frozen error keeps V8's text.
    }
    return error;
  }

  let invokedArn = config.invokedFunctionArn;

  /** Lambda's context object. `callbacks` is the 3.x runtime's part, on nodejs20.x/22.x only. */
  const createContext = (function createContext(requestId: string, clientContext: string | undefined, callbacks: CallbackContext | null): Record<string, unknown> {
    const context: Record<string, unknown> = {
      functionName: config.functionName,
      functionVersion: config.functionVersion,
      invokedFunctionArn: invokedArn,
      memoryLimitInMB: config.memoryLimitInMB,
      awsRequestId: requestId,
      logGroupName: config.logGroupName,
      logStreamName: config.logStreamName,
      identity: undefined,
      clientContext: clientContext === undefined ? undefined : parse(clientContext),
      getRemainingTimeInMillis: () => Math.max(0, rt.deadline - Date.now()),
    };
    // nodejs24.x's runtime (src/context/context-builder.ts) has none of these.
    if (callbacks !== null) {
      Object.defineProperty(context, "callbackWaitsForEmptyEventLoop", {
        get: () => callbacks.waitForEmptyEventLoop,
        set: (value: unknown) => {
          callbacks.waitForEmptyEventLoop = value;
        },
        enumerable: true,
        configurable: true,
      });
      context.done = callbacks.done;
      context.succeed = callbacks.succeed;
      context.fail = callbacks.fail;
    }
    return context;
  });

  interface CallbackContext {
    waitForEmptyEventLoop: unknown;
    callback: (error?: unknown, value?: unknown) => void;
    done: (error?: unknown, value?: unknown) => void;
    succeed: (value?: unknown) => void;
    fail: (error?: unknown) => void;
  }

  const loop = (rt as RtWithLoop).loop;

  /** Resolves once the invocation's event loop has nothing left (Node's `beforeExit`). */
  function emptyLoop(): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (loop.active() !== 0) return;
        loop.afterActivity = null;
        resolve();
      };
      loop.afterActivity = () => loop.immediate(check);
      loop.immediate(check);
    });
  }

  /** The RIC's NodeJsExit (3.x src/Errors.js): an async handler's promise was never settled. */
  function nodeJsExit(): ErrorBody {
    return bare({
      errorType: "Runtime.NodeJsExit",
      errorMessage:
        "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. " +
        "For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
      trace: [],
    });
  }

  const isThenable = (function isThenable(value: unknown): value is PromiseLike<unknown> {
    return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function";
  });

  function isAsyncFunction(fn: Handler): boolean {
    try {
      return fn.constructor?.name === "AsyncFunction";
    } catch {
      return false;
    }
  }

  /**
   * nodejs24.x (the RIC's rewrite, src/runtime/buffered-invoke-processor.ts): the result is
   * `await handler(event, context)`, sync or async; pending timers do not delay it.
   */
  const runAwaited = (function runAwaited(fn: Handler, event: unknown, requestId: string, clientContext: string | undefined): Promise<Settled> {
    return new Promise<Settled>((resolve) => {
      const context = createContext(requestId, clientContext, null);
      let returned: unknown;
      try {
        returned = fn(event, context);
      } catch (error) {
        resolve(bare({ error }));
        return;
      }
      if (!isThenable(returned)) {
        resolve(bare({ value: returned }));
        return;
      }
      try {
        returned.then(
          (value) => resolve(bare({ value })),
          (error: unknown) => resolve(bare({ error })),
        );
      } catch (error) {
        resolve(bare({ error }));
      }
    });
  });

  /**
   * nodejs20.x/22.x (the RIC 3.x, src/Runtime.js and src/CallbackContext.js): a returned promise
   * answers when it settles; `callback(null, x)` answers once the event loop is empty, or at once
   * when `context.callbackWaitsForEmptyEventLoop` is false; `callback(error)`, `done`, `succeed`
   * and `fail` answer at once; only the first of them counts. A handler that returns no promise
   * and never calls back answers null once the loop is empty, and an async one whose promise is
   * still pending then fails with Runtime.NodeJsExit. A loop that never empties times out.
   */
  const runWithCallback = (function runWithCallback(fn: Handler, event: unknown, requestId: string, clientContext: string | undefined): Promise<Settled> {
    return new Promise<Settled>((resolve) => {
      let finished = false;
      const finish = (outcome: Settled) => {
        if (finished) return;
        finished = true;
        loop.afterActivity = null;
        resolve(outcome);
      };
      // What happens when the loop empties (the RIC's BeforeExitListener): by default, answer null.
      let onEmpty: (() => void) | null = () => finish(isAsyncFunction(fn) ? bare({ failure: nodeJsExit() }) : bare({ value: null }));
      let called = false;
      const once =
        <A extends unknown[]>(body: (...args: A) => void) =>
        (...args: A) => {
          if (called) return;
          called = true;
          body(...args);
        };
      const answer = (error: unknown, value: unknown) => {
        onEmpty = null;
        if (error !== undefined && error !== null) finish(bare({ error }));
        else finish(bare({ value }));
      };
      const callbacks: CallbackContext = {
        waitForEmptyEventLoop: true,
        callback: once((error?: unknown, value?: unknown) => {
          if (error !== undefined && error !== null) return answer(error, undefined);
          if (!callbacks.waitForEmptyEventLoop) return answer(null, value);
          onEmpty = () => loop.immediate(() => answer(null, value));
        }),
        done: once((error?: unknown, value?: unknown) => answer(error, value)),
        succeed: once((value?: unknown) => answer(null, value)),
        // fail() without an error fails with the string "handled" (src/CallbackContext.js).
        fail: once((error?: unknown) => answer(error === undefined || error === null ? "handled" : error, null)),
      };
      // Watching for the empty loop takes a host timer (a message to the executor's thread and back)
      // per invocation. A handler that has answered by the end of its first microtasks - an async
      // handler that returns without awaiting anything pending - never needs it, so it is armed only
      // if none has: still within this turn, so the check runs when it always did.
      let armed = false;
      const arm = () => {
        if (armed || finished) return;
        armed = true;
        void emptyLoop().then(() => onEmpty?.());
      };
      const context = createContext(requestId, clientContext, callbacks);
      let returned: unknown;
      try {
        returned = fn(event, context, callbacks.callback);
      } catch (error) {
        callbacks.callback(error);
        arm();
        return;
      }
      if (!isThenable(returned)) {
        arm();
        return;
      }
      try {
        returned.then(
          (value) => callbacks.succeed(value),
          (error: unknown) => callbacks.fail(error),
        );
      } catch (error) {
        callbacks.fail(error);
      }
      // Queued after the reactions just registered: a promise already settled has answered by then.
      void promiseThen.call(settledPromise, arm);
    });
  });

  const invoke = (async function invoke(
    seq: number,
    deadline: number,
    requestId: string,
    eventJson: string,
    clientContext: string | undefined,
    invokedFunctionArn?: string,
  ): Promise<InvokeResult> {
    rt.begin(seq, deadline);
    // The ARN the caller invoked (qualified when it named a qualifier); one invocation at a time.
    invokedArn = typeof invokedFunctionArn === "string" ? invokedFunctionArn : config.invokedFunctionArn;
    try {
      if (handler === null) return bare({ ok: false, error: handlerNotFound(undefined), fatal: false, logsSent: logsSent() });
      const event: unknown = parse(eventJson);
      const run = config.supportsCallback ? runWithCallback : runAwaited;
      const settled = await race([run(handler, event, requestId, clientContext), rt.crashed.then((crash): Settled => bare({ crash }))]);
      if ("crash" in settled) return bare({ ok: false, error: settled.crash, fatal: true, logsSent: logsSent() });
      if ("failure" in settled) return bare({ ok: false, error: settled.failure, fatal: false, logsSent: logsSent() });
      if ("error" in settled) return bare({ ok: false, error: rt.toErrorBody(settled.error), fatal: false, logsSent: logsSent() });
      let result: string;
      try {
        result = stringify(settled.value === undefined ? null : settled.value) ?? "null";
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return bare({
          ok: false,
          error: { errorType: "Runtime.JSONStringifyError", errorMessage: `Unable to stringify response body: ${reason}`, trace: [] },
          fatal: false,
          logsSent: logsSent(),
        });
      }
      if (result.length > config.maxResultChars) {
        // Certainly too large: UTF-8 needs at least one byte per UTF-16 unit. Same text as the host's check.
        const errorMessage = `Response payload size exceeded maximum allowed payload size (${config.maxResultChars} bytes).`;
        return bare({
          ok: false,
          error: { errorType: "Function.ResponseSizeTooLarge", errorMessage, trace: [] },
          fatal: false,
          resultChars: result.length,
          logsSent: logsSent(),
        });
      }
      return bare({ ok: true, result, logsSent: logsSent() });
    } catch (error) {
      return bare({ ok: false, error: rt.toErrorBody(error), fatal: false, logsSent: logsSent() });
    } finally {
      rt.end();
    }
  });

  rt.api.load = load;
  rt.api.invoke = invoke;
  rt.api.ready = (namespace: unknown) => announceReady(namespace);
}
