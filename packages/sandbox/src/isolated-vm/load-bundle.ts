/**
 * Compiling and evaluating a function's bundle in an isolate, in script form (code-cached) when
 * bundle-source.ts can rewrite it, else as an ES module.
 */
import { randomBytes } from "node:crypto";
import { isBuiltin } from "node:module";
import { unavailableBuiltinReason } from "@fnmesh/protocol";
import type ivm from "isolated-vm";
import { toScriptSource } from "../bundle-source.ts";
import { importError, syntaxError } from "../outcome.ts";
import type { LoadResult } from "../prelude/types.ts";
import type { CachedCode, CodeCache } from "./code-cache.ts";
import { isSyntaxError, messageOf } from "./failure.ts";
import type { Failed } from "./failure.ts";

/** isolated-vm sets these on compiled scripts; its d.ts leaves them out. */
export type CompiledScript = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

export interface BundleTarget {
  isolate: ivm.Isolate;
  context: ivm.Context;
  /** The prelude's `load` and `ready` (IsolateApi). */
  load: ivm.Reference;
  ready: ivm.Reference;
  filename: string;
  /** Arguments of `load` naming the invocation and its init deadline. */
  seq: number;
  deadline: number;
  limitMs: number;
}

/**
 * The bundle as a script, compiled with this process's code cache for `codeId` and refreshing it;
 * null when it must be compiled as a module. Syntax errors are left to the module compile to report.
 * Single flight: while one isolate compiles a code id without cached data, others wait for its
 * result and compile from the cache.
 */
export async function compileBundleScript(isolate: ivm.Isolate, code: string, codeId: string, cache: CodeCache, filename: string): Promise<CompiledScript | null> {
  let cached = cache.get(codeId);
  if (cached === undefined) {
    const pending = cache.compiling(codeId);
    if (pending !== undefined) {
      await pending;
      cached = cache.get(codeId);
    }
  }
  if (cached !== undefined) return compileWithCache(isolate, code, codeId, cache, filename, cached);
  const work = compileWithCache(isolate, code, codeId, cache, filename, undefined);
  cache.track(codeId, work);
  cache.compiles++;
  return work;
}

async function compileWithCache(
  isolate: ivm.Isolate, code: string, codeId: string, cache: CodeCache, filename: string, cached: CachedCode | undefined,
): Promise<CompiledScript | null> {
  if (cached?.form === "module") return null;
  const source = toScriptSource(code);
  if (source === null) {
    cache.set(codeId, { form: "module", bytes: 0 });
    return null;
  }
  let script: CompiledScript;
  try {
    script = await isolate.compileScript(source, {
      filename,
      ...(cached?.data === undefined ? { produceCachedData: true } : { cachedData: cached.data, produceCachedData: true }),
    });
  } catch (err) {
    if (!isSyntaxError(err) || isolate.isDisposed) throw err;
    cache.set(codeId, { form: "module", bytes: 0 });
    return null;
  }
  // With cachedData supplied, isolated-vm produces new data only when V8 rejected it.
  if (script.cachedData !== undefined) {
    cache.set(codeId, { form: "script", data: script.cachedData, bytes: script.cachedData.copy().byteLength });
  }
  return script;
}

/** Runs the script form: evaluating the script only creates the wrapper; `load` runs the bundle. */
export async function loadScript(target: BundleTarget, script: ivm.Script): Promise<LoadResult> {
  const entry = (await script.run(target.context, { reference: true, release: true, timeout: target.limitMs })) as ivm.Reference;
  return (await target.load.apply(undefined, [target.seq, target.deadline, entry.derefInto({ release: true })], {
    result: { promise: true, copy: true },
    timeout: target.limitMs,
  })) as LoadResult;
}

/**
 * Module form (no code cache). An entry module imports the bundle and hands its namespace to the
 * prelude once evaluation, top-level await included, has finished; a shim evaluated before the
 * bundle takes the hand-off function off `globalThis`, so user code never sees it. Every import
 * of the bundle itself is refused.
 */
export async function loadModule(target: BundleTarget, code: string): Promise<LoadResult | Failed> {
  const { isolate, context } = target;
  let bundle: ivm.Module;
  try {
    bundle = await isolate.compileModule(code, { filename: target.filename });
  } catch (err) {
    if (isSyntaxError(err) && !isolate.isDisposed) return { ok: false, error: syntaxError(err) };
    throw err;
  }
  const tag = randomBytes(8).toString("hex");
  const readyGlobal = JSON.stringify(`__fnmeshReady_${tag}`);
  const readySpecifier = `fnmesh:ready:${tag}`;
  const bundleSpecifier = `fnmesh:bundle:${tag}`;
  context.global.setSync(JSON.parse(readyGlobal) as string, target.ready.derefInto());
  const shim = isolate.compileModuleSync(`const ready = globalThis[${readyGlobal}];\ndelete globalThis[${readyGlobal}];\nexport default ready;`);
  const entry = isolate.compileModuleSync(
    `import ready from ${JSON.stringify(readySpecifier)};\nimport * as bundle from ${JSON.stringify(bundleSpecifier)};\nready(bundle);`,
  );
  try {
    await entry.instantiate(context, (specifier) => {
      if (specifier === readySpecifier) return shim;
      if (specifier === bundleSpecifier) return bundle;
      throw new Error(unresolvableImportMessage(specifier));
    });
  } catch (err) {
    if (isolate.isDisposed) throw err;
    return { ok: false, error: importError(messageOf(err)) };
  }
  const loading = target.load.apply(undefined, [target.seq, target.deadline, "module"], {
    result: { promise: true, copy: true },
  }) as Promise<LoadResult>;
  // If evaluation throws, this call never settles normally; its rejection must not go unhandled.
  loading.catch(() => {});
  await entry.evaluate({ timeout: target.limitMs });
  return await loading;
}

function unresolvableImportMessage(specifier: string): string {
  return isBuiltin(specifier)
    ? `Cannot find module '${specifier}': ${unavailableBuiltinReason(specifier)}`
    : `Cannot find module '${specifier}': fnmesh isolates cannot import modules; bundle dependencies into the function code`;
}
