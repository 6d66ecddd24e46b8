import type { ErrorBody, InvokeResult, LoadResult, Rt } from "./types.ts";

/**
 * In-isolate: the Lambda Node.js runtime's part — find the handler, build `context`, call the
 * handler in its async, sync or callback form, and serialise the result. Fills `rt.api`.
 * Serialised with `toString()`: self-contained.
 */
export function installLambda(_g: Record<string, unknown>, rt: Rt): void {
  const config = rt.config;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const race = Promise.race.bind(Promise);
  // Records that cross a promise resolution are null-prototype: user code that defines
  // Object.prototype.then must not be able to replace what the host receives.
  const setPrototypeOf = Object.setPrototypeOf;
  const bare = <T extends object>(o: T): T => setPrototypeOf(o, null) as T;
  type Handler = (...args: unknown[]) => unknown;
  type Settled = { value: unknown } | { error: unknown } | { crash: ErrorBody };
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

  function walk(root: unknown): unknown {
    let value = root;
    for (const step of config.exportPath) {
      if (value === null || value === undefined) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  }

  // CommonJS code bundled as ESM puts `module.exports` on `default`. Like Lambda's runtime client,
  // walk the whole path over the module, then over `default`; the first function wins (so a
  // TypeScript-compiled `exports.default = fn` with handler `index.default` resolves). Same rule as
  // @fnmesh/bundle's resolveExport.
  function findHandler(userModule: unknown): unknown {
    if (userModule === null || userModule === undefined) return undefined;
    const direct = walk(userModule);
    if (typeof direct === "function") return direct;
    const fallback = (userModule as Record<string, unknown>).default;
    if (fallback !== undefined && fallback !== null) {
      const viaDefault = walk(fallback);
      if (typeof viaDefault === "function") return viaDefault;
    }
    return direct;
  }

  function logsSent(): number {
    return rt.logsSent;
  }

  async function load(seq: number, deadline: number, entry: unknown): Promise<LoadResult> {
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
            errorMessage:
              "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. " +
              "You need to modify this function to use a supported handler signature to use Node.js 24 or later.",
            trace: [],
          },
          logsSent: logsSent(),
        });
      }
      handler = found as Handler;
      return bare({ ok: true, logsSent: logsSent() });
    } catch (error) {
      return bare({ ok: false, error: rt.toErrorBody(error), logsSent: logsSent() });
    }
  }

  function createContext(requestId: string, clientContext: string | undefined, done: (error: unknown, value?: unknown) => void): Record<string, unknown> {
    const context: Record<string, unknown> = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: config.functionName,
      functionVersion: config.functionVersion,
      invokedFunctionArn: config.invokedFunctionArn,
      memoryLimitInMB: config.memoryLimitInMB,
      awsRequestId: requestId,
      logGroupName: config.logGroupName,
      logStreamName: config.logStreamName,
      identity: undefined,
      clientContext: clientContext === undefined ? undefined : parse(clientContext),
      getRemainingTimeInMillis: () => Math.max(0, rt.deadline - Date.now()),
    };
    if (config.supportsCallback) {
      // The pre-callback API, still present on callback runtimes.
      context.done = done;
      context.succeed = (value: unknown) => done(null, value);
      // fail() without an error fails with the string "handled", as the runtime client's does
      // (aws/aws-lambda-nodejs-runtime-interface-client: src/CallbackContext.js).
      context.fail = (error: unknown) => done(error ?? "handled");
    }
    return context;
  }

  function runHandler(fn: Handler, event: unknown, requestId: string, clientContext: string | undefined): Promise<Settled> {
    return new Promise<Settled>((resolve) => {
      let settled = false;
      const finish = (outcome: Settled) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const callback = (error: unknown, value?: unknown) => finish(error === null || error === undefined ? bare({ value }) : bare({ error }));
      const context = createContext(requestId, clientContext, callback);
      let returned: unknown;
      try {
        returned = config.supportsCallback ? fn(event, context, callback) : fn(event, context);
      } catch (error) {
        finish({ error });
        return;
      }
      if (returned !== null && (typeof returned === "object" || typeof returned === "function") && typeof (returned as { then?: unknown }).then === "function") {
        try {
          (returned as PromiseLike<unknown>).then(
            (value) => finish(bare({ value })),
            (error: unknown) => finish({ error }),
          );
        } catch (error) {
          finish({ error });
        }
      } else if (!(config.supportsCallback && fn.length >= 3)) {
        finish(bare({ value: returned }));
      }
      // Otherwise a callback-style handler: wait for the callback.
    });
  }

  async function invoke(seq: number, deadline: number, requestId: string, eventJson: string, clientContext: string | undefined): Promise<InvokeResult> {
    rt.begin(seq, deadline);
    try {
      if (handler === null) return bare({ ok: false, error: handlerNotFound(undefined), fatal: false, logsSent: logsSent() });
      const event: unknown = parse(eventJson);
      const settled = await race([runHandler(handler, event, requestId, clientContext), rt.crashed.then((crash): Settled => bare({ crash }))]);
      if ("crash" in settled) return bare({ ok: false, error: settled.crash, fatal: true, logsSent: logsSent() });
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
  }

  rt.api.load = load;
  rt.api.invoke = invoke;
  rt.api.ready = (namespace: unknown) => announceReady(namespace);
}
