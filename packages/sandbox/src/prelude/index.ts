/**
 * Assembles the prelude: the JavaScript every new context runs before user code, giving it
 * console, timers, process and the Lambda runtime. Each global is one `PreludeModule`; add web
 * globals (URL, TextEncoder, fetch, crypto…) as further modules in `defaultPreludeModules`.
 */
import { installFormat } from "../format-log.ts";
import { installConsole } from "./console.ts";
import { createCore } from "./core.ts";
import { installHardening } from "./hardening.ts";
import { installLambda } from "./lambda.ts";
import { installProcess } from "./process.ts";
import { installTimers } from "./timers.ts";
import type { PreludeModule } from "./types.ts";

/** Script name of the prelude; its frames are dropped from user-facing traces. */
export const PRELUDE_FILENAME = "fnmesh:prelude";

/** Order matters: later modules use what earlier ones put on `rt` or `globalThis`. */
export const defaultPreludeModules: readonly PreludeModule[] = [
  { name: "hardening", install: installHardening },
  { name: "format", install: installFormat },
  { name: "console", install: installConsole },
  { name: "timers", install: installTimers },
  { name: "process", install: installProcess },
  { name: "lambda", install: installLambda },
];

/**
 * Source of a script that evaluates to `(log, setTimer, clearTimer, config) => IsolateApi`. The
 * three host callbacks and `rt` stay in this closure: user code can reach none of them.
 */
export function preludeSource(modules: readonly PreludeModule[] = defaultPreludeModules): string {
  const installs = modules.map((m) => `  /* ${m.name} */ (${m.install.toString()})(globalThis, rt);`).join("\n");
  return [
    `"use strict";`,
    `(function fnmeshPrelude(log, setTimer, clearTimer, config) {`,
    `  const rt = (${createCore.toString()})({ log, setTimer, clearTimer }, config);`,
    installs,
    `  return rt.api;`,
    `})`,
  ].join("\n");
}
