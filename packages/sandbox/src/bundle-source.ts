/**
 * Turns an ES module bundle into a classic script when that is provably safe, because V8 code
 * caching (isolated-vm `cachedData`) works for scripts only: isolated-vm 6.2 accepts `cachedData`
 * on `compileModule` but never consumes it.
 *
 * Recognised shape: the bundle's last statement is `export { userModule }` or
 * `export { x as userModule }` (what esbuild emits), optionally followed by line comments such as
 * a source map URL. The script form is
 *
 *   "use strict";(async function(){<bundle without that statement>
 *   return <binding>;
 *   })
 *
 * on the bundle's first line, so line numbers in stack traces are unchanged. A module body and a
 * strict async function body agree on everything a bundle uses (strict mode, local scope,
 * top-level await, `this` undefined). Whatever else the bundle holds (`import`, other `export`s,
 * `import.meta`) is a syntax error in a script: the caller then falls back to module form.
 */

// Anchored at an `export` keyword: the whole rest of the bundle must be the export statement
// and line comments.
const EXPORT_TAIL =
  /^export[ \t\r\n]*\{[ \t\r\n]*(?:([A-Za-z_$][\w$]*)[ \t\r\n]+as[ \t\r\n]+)?userModule[ \t\r\n]*,?[ \t\r\n]*\}[ \t\r\n]*;?((?:[ \t\r\n]*\/\/[^\n]*)*)[ \t\r\n]*$/;

/** Only the last few `export` words are candidates: the statement is last, comments may follow. */
const MAX_CANDIDATES = 8;

export const SCRIPT_PREFIX = `"use strict";(async function(){`;

/** The script form of `bundle`, or null when its shape is not recognised. */
export function toScriptSource(bundle: string): string | null {
  let end = bundle.length;
  for (let tries = 0; tries < MAX_CANDIDATES && end > 0; tries++) {
    const at = bundle.lastIndexOf("export", end - 1);
    if (at < 0) return null;
    end = at;
    if (!startsStatement(bundle, at)) continue;
    const match = EXPORT_TAIL.exec(bundle.slice(at));
    if (match === null) continue;
    const binding = match[1] ?? "userModule";
    const trailingComments = match[2] ?? "";
    // `typeof` keeps a missing binding an "undefined export" rather than a ReferenceError.
    return `${SCRIPT_PREFIX}${bundle.slice(0, at)}\nreturn typeof ${binding} === "undefined" ? undefined : ${binding};\n})${trailingComments}\n`;
  }
  return null;
}

/** True when `at` follows the start, a newline, `;` or `}` (whitespace between allowed). */
function startsStatement(source: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0) {
    const ch = source[i];
    if (ch === "\n") return true;
    if (ch !== " " && ch !== "\t" && ch !== "\r") return ch === ";" || ch === "}";
    i--;
  }
  return true;
}
