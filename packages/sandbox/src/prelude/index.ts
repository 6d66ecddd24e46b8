/**
 * Assembles the prelude: the JavaScript every new context runs before user code, giving it
 * console, timers, process, the web-standard globals and the Lambda runtime. Each global is one
 * `PreludeModule`; add more as further modules in `defaultPreludeModules`.
 */
import { installFormat } from "../format-log.ts";
import { installAbort } from "./abort.ts";
import { installBase64 } from "./base64.ts";
import { installBody } from "./body.ts";
import { installConsole } from "./console.ts";
import { createCore } from "./core.ts";
import { installCrypto } from "./crypto.ts";
import { installDomException } from "./dom-exception.ts";
import { installEncoding } from "./encoding.ts";
import { installEvents } from "./events.ts";
import { installFetch } from "./fetch.ts";
import { installHardening } from "./hardening.ts";
import { installHeaders } from "./headers.ts";
import { installLambda } from "./lambda.ts";
import { installNodeBinding } from "./node-binding.ts";
import { installPerformance } from "./performance.ts";
import { installProcess } from "./process.ts";
import { installRequest } from "./request.ts";
import { installResponse } from "./response.ts";
import { installStructuredClone } from "./structured-clone.ts";
import { installTimers } from "./timers.ts";
import { BRIDGE_FUNCTIONS } from "./types.ts";
import type { PreludeModule } from "./types.ts";
import { installUrl } from "./url.ts";

/** Script name of the prelude; its frames are dropped from user-facing traces. */
export const PRELUDE_FILENAME = "fnmesh:prelude";

/** Order matters: later modules use what earlier ones put on `rt`, `rt.web` or `globalThis`. */
export const defaultPreludeModules: readonly PreludeModule[] = [
  { name: "hardening", install: installHardening },
  { name: "format", install: installFormat },
  { name: "console", install: installConsole },
  { name: "timers", install: installTimers },
  { name: "process", install: installProcess },
  { name: "lambda", install: installLambda },
  { name: "node-binding", install: installNodeBinding },
  // Web globals: lazy, installed on first use (see PreludeModule.globals).
  { name: "dom-exception", install: installDomException, globals: ["DOMException"] },
  { name: "encoding", install: installEncoding, globals: ["TextEncoder", "TextDecoder"] },
  { name: "base64", install: installBase64, globals: ["atob", "btoa"], needs: ["dom-exception"] },
  { name: "events", install: installEvents, globals: ["Event", "EventTarget"] },
  { name: "abort", install: installAbort, globals: ["AbortController", "AbortSignal"], needs: ["events", "dom-exception"] },
  { name: "structured-clone", install: installStructuredClone, globals: ["structuredClone"], needs: ["dom-exception"] },
  { name: "url", install: installUrl, globals: ["URL", "URLSearchParams"], needs: ["encoding"] },
  { name: "crypto", install: installCrypto, globals: ["crypto", "Crypto", "SubtleCrypto", "CryptoKey"], needs: ["dom-exception", "encoding", "base64"] },
  { name: "headers", install: installHeaders, globals: ["Headers"] },
  { name: "body", install: installBody, globals: [], needs: ["encoding", "url"] },
  { name: "request", install: installRequest, globals: ["Request"], needs: ["body", "headers", "url", "abort"] },
  { name: "response", install: installResponse, globals: ["Response"], needs: ["body", "headers", "url"] },
  { name: "fetch", install: installFetch, globals: ["fetch"], needs: ["request", "response"] },
  { name: "performance", install: installPerformance, globals: ["performance", "Performance"] },
];

/**
 * Source of a script that evaluates to `(config, ...bridge) => IsolateApi`, the bridge functions
 * in `BRIDGE_FUNCTIONS` order. The host callbacks and `rt` stay in this closure: user code can
 * reach none of them.
 */
export function preludeSource(modules: readonly PreludeModule[] = defaultPreludeModules): string {
  // Eager modules are parenthesised, so V8 compiles them up front and they land in the code cache;
  // lazy ones are compiled only in isolates that use them.
  const installs = modules
    .map((m) =>
      m.globals === undefined
        ? `  /* ${m.name} */ (${m.install.toString()})(globalThis, rt);`
        : `  rt.register(${JSON.stringify(m.name)}, ${JSON.stringify(m.needs ?? [])}, ${JSON.stringify(m.globals)}, ${m.install.toString()});`,
    )
    .join("\n");
  const names = BRIDGE_FUNCTIONS.join(", ");
  return [
    `"use strict";`,
    `(function fnmeshPrelude(config, ${names}) {`,
    `  const rt = (${createCore.toString()})({ ${names} }, config);`,
    installs,
    `  return rt.api;`,
    `})`,
  ].join("\n");
}
