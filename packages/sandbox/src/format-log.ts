/**
 * In-isolate: console argument formatting in the manner of Node's `util.format`/`util.inspect`
 * (strings as-is, `%s %d %i %f %j %o %O %c %%`, objects inspect-like on one line when short,
 * Errors with their stack). A prelude module: serialised with `toString()`, so self-contained.
 * It runs unchanged in Node too, which is how format-log.test.ts tests it.
 */
export function installFormat(_g: Record<string, unknown>, rt: { format: (args: readonly unknown[]) => string; inspect: (value: unknown) => string }): void {
  const BREAK_LENGTH = 80;
  const MAX_DEPTH = 2;
  const MAX_ITEMS = 100;
  const customInspect = Symbol.for("nodejs.util.inspect.custom");
  const toTag = (v: unknown): string => Object.prototype.toString.call(v);
  const identifier = /^[A-Za-z_$][\w$]*$/;
  /** Objects met again while formatting themselves, marked `<ref *1>` as Node does; per inspect call. */
  let circular = new Set<object>();

  function quote(s: string): string {
    const q = s.includes("'") ? (s.includes('"') ? (s.includes("`") ? "'" : "`") : '"') : "'";
    let out = "";
    for (const ch of s) {
      if (ch === q || ch === "\\") out += "\\" + ch;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\t") out += "\\t";
      else if (ch === "\r") out += "\\r";
      else out += ch;
    }
    return q + out + q;
  }

  function formatNumber(n: number): string {
    return Object.is(n, -0) ? "-0" : String(n);
  }

  function constructorName(obj: object): string | null {
    let proto: object | null = obj;
    while (proto !== null) {
      const desc = Object.getOwnPropertyDescriptor(proto, "constructor");
      if (desc !== undefined && typeof desc.value === "function" && desc.value.name !== "") return desc.value.name as string;
      proto = Object.getPrototypeOf(proto) as object | null;
    }
    return null;
  }

  function describeFunction(fn: Function): string {
    const tag = toTag(fn).slice(8, -1);
    const name = fn.name;
    let source = "";
    try {
      source = Function.prototype.toString.call(fn).slice(0, 5);
    } catch {
      // Proxies of functions may refuse toString.
    }
    if (source === "class") return `[class ${name === "" ? "(anonymous)" : name}]`;
    const kind = tag === "AsyncFunction" || tag === "GeneratorFunction" || tag === "AsyncGeneratorFunction" ? tag : "Function";
    return `[${kind}${name === "" ? " (anonymous)" : `: ${name}`}]`;
  }

  function formatKey(key: string | symbol): string {
    if (typeof key === "symbol") return key.toString();
    return identifier.test(key) ? key : quote(key);
  }

  function errorText(err: Error, level: number): string {
    let text: string;
    try {
      text = typeof err.stack === "string" && err.stack !== "" ? err.stack : `${String(err.name)}: ${String(err.message)}`;
    } catch {
      text = "[Error]";
    }
    if (level === 0) return text;
    const pad = "  ".repeat(level);
    return text.split("\n").join(`\n${pad}`);
  }

  function wrap(prefix: string, open: string, close: string, entries: string[], level: number): string {
    if (entries.length === 0) return `${prefix}${open}${close}`;
    let length = prefix.length + level * 2;
    let multiline = false;
    for (const entry of entries) {
      length += entry.length + 2;
      if (entry.includes("\n")) multiline = true;
    }
    if (!multiline && length + 4 <= BREAK_LENGTH) return `${prefix}${open} ${entries.join(", ")} ${close}`;
    const pad = "  ".repeat(level + 1);
    return `${prefix}${open}\n${pad}${entries.join(`,\n${pad}`)}\n${"  ".repeat(level)}${close}`;
  }

  function propertyEntries(obj: object, level: number, seen: object[], skipIndices: boolean): string[] {
    const entries: string[] = [];
    for (const key of Reflect.ownKeys(obj)) {
      if (skipIndices && typeof key === "string" && (key === "length" || String(Number(key) >>> 0) === key)) continue;
      const desc = Object.getOwnPropertyDescriptor(obj, key);
      if (desc === undefined || !desc.enumerable) continue;
      let text: string;
      if (desc.get !== undefined || desc.set !== undefined) {
        text = desc.get !== undefined ? (desc.set !== undefined ? "[Getter/Setter]" : "[Getter]") : "[Setter]";
      } else {
        text = formatValue(desc.value, level + 1, seen, true);
      }
      entries.push(`${formatKey(key)}: ${text}`);
      if (entries.length > MAX_ITEMS) {
        entries.push("...");
        break;
      }
    }
    return entries;
  }

  function formatValue(value: unknown, level: number, seen: object[], nested: boolean): string {
    switch (typeof value) {
      case "string":
        return nested ? quote(value) : value;
      case "number":
        return formatNumber(value);
      case "bigint":
        return `${value}n`;
      case "symbol":
        return value.toString();
      case "undefined":
        return "undefined";
      case "boolean":
        return String(value);
      case "function":
        return describeFunction(value);
    }
    if (value === null) return "null";
    const obj = value as Record<string | symbol, unknown>;
    if (seen.includes(obj)) {
      circular.add(obj);
      return "[Circular *1]";
    }
    try {
      const custom = obj[customInspect];
      if (typeof custom === "function") {
        const replaced: unknown = custom.call(obj, MAX_DEPTH - level, { depth: MAX_DEPTH - level }, (v: unknown) => formatValue(v, level, seen, true));
        if (replaced !== obj) return typeof replaced === "string" ? replaced : formatValue(replaced, level, seen, nested);
      }
    } catch {
      // A throwing custom inspector falls back to the plain form.
    }
    const tag = toTag(obj).slice(8, -1);
    if (obj instanceof Error || tag === "Error") return errorText(obj as unknown as Error, level);
    if (tag === "Date") {
      const time = (obj as unknown as Date).getTime();
      return Number.isNaN(time) ? "Invalid Date" : (obj as unknown as Date).toISOString();
    }
    if (tag === "RegExp") return String(obj);
    if (tag === "Promise") return "Promise { <unknown> }";
    if (tag === "WeakMap" || tag === "WeakSet") return `${tag} { <items unknown> }`;
    if (tag === "ArrayBuffer" || tag === "SharedArrayBuffer") return `${tag} { byteLength: ${(obj as unknown as ArrayBuffer).byteLength} }`;
    if (tag === "Number" || tag === "String" || tag === "Boolean") {
      return `[${tag}: ${formatValue((obj as unknown as { valueOf(): unknown }).valueOf(), level, seen, true)}]`;
    }
    const name = constructorName(obj);
    const isArray = Array.isArray(obj);
    if (level > MAX_DEPTH) return isArray ? "[Array]" : `[${name ?? "Object"}]`;
    seen.push(obj);
    try {
      if (isArray) {
        const arr = obj as unknown as unknown[];
        const items: string[] = [];
        const shown = Math.min(arr.length, MAX_ITEMS);
        for (let i = 0; i < shown; i++) items.push(i in arr ? formatValue(arr[i], level + 1, seen, true) : "<empty item>");
        if (arr.length > shown) items.push(`... ${arr.length - shown} more item${arr.length - shown > 1 ? "s" : ""}`);
        items.push(...propertyEntries(obj, level, seen, true));
        return wrap(name === "Array" || name === null ? "" : `${name}(${arr.length}) `, "[", "]", items, level);
      }
      if (ArrayBuffer.isView(obj) && tag !== "DataView") {
        const view = obj as unknown as ArrayLike<number | bigint>;
        const items: string[] = [];
        const shown = Math.min(view.length, MAX_ITEMS);
        for (let i = 0; i < shown; i++) items.push(formatValue(view[i], level + 1, seen, true));
        if (view.length > shown) items.push(`... ${view.length - shown} more item${view.length - shown > 1 ? "s" : ""}`);
        return wrap(`${name ?? tag}(${view.length}) `, "[", "]", items, level);
      }
      if (tag === "Map") {
        const map = obj as unknown as Map<unknown, unknown>;
        const items: string[] = [];
        for (const [k, v] of map) {
          if (items.length >= MAX_ITEMS) {
            items.push(`... ${map.size - MAX_ITEMS} more items`);
            break;
          }
          items.push(`${formatValue(k, level + 1, seen, true)} => ${formatValue(v, level + 1, seen, true)}`);
        }
        return wrap(`${name ?? "Map"}(${map.size}) `, "{", "}", items, level);
      }
      if (tag === "Set") {
        const set = obj as unknown as Set<unknown>;
        const items: string[] = [];
        for (const v of set) {
          if (items.length >= MAX_ITEMS) {
            items.push(`... ${set.size - MAX_ITEMS} more items`);
            break;
          }
          items.push(formatValue(v, level + 1, seen, true));
        }
        return wrap(`${name ?? "Set"}(${set.size}) `, "{", "}", items, level);
      }
      const proto = Object.getPrototypeOf(obj) as object | null;
      const prefix = proto === null ? "[Object: null prototype] " : name === "Object" || name === null ? "" : `${name} `;
      const text = wrap(prefix, "{", "}", propertyEntries(obj, level, seen, false), level);
      return circular.has(obj) ? `<ref *1> ${text}` : text;
    } finally {
      seen.pop();
    }
  }

  function inspect(value: unknown): string {
    circular = new Set();
    try {
      return formatValue(value, 0, [], true);
    } catch {
      return "[object: not inspectable]";
    }
  }

  function top(value: unknown): string {
    return typeof value === "string" ? value : inspect(value);
  }

  function formatString(value: unknown): string {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol") return value.toString();
    if (typeof value === "number") return formatNumber(value);
    if (typeof value === "object" && value !== null) {
      if (value instanceof Error) return inspect(value);
      const own = (value as { toString?: unknown }).toString;
      if (own === Object.prototype.toString || own === Array.prototype.toString || own === undefined) return inspect(value);
    }
    try {
      return String(value);
    } catch {
      return inspect(value);
    }
  }

  function format(args: readonly unknown[]): string {
    const first = args[0];
    if (typeof first !== "string" || args.length < 2 || !first.includes("%")) {
      return args.map(top).join(" ");
    }
    let out = "";
    let next = 1;
    let i = 0;
    while (i < first.length) {
      const ch = first[i];
      if (ch !== "%" || i + 1 >= first.length) {
        out += ch;
        i++;
        continue;
      }
      const spec = first[i + 1];
      if (spec === "%") {
        out += "%";
        i += 2;
        continue;
      }
      if (!"sdifjoOc".includes(spec ?? "") || next >= args.length) {
        out += ch;
        i++;
        continue;
      }
      const arg = args[next++];
      switch (spec) {
        case "s":
          out += formatString(arg);
          break;
        case "d":
          out += typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN" : formatNumber(Number(arg));
          break;
        case "i":
          out += typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN" : String(Number.parseInt(String(arg), 10));
          break;
        case "f":
          out += typeof arg === "symbol" ? "NaN" : String(Number.parseFloat(String(arg)));
          break;
        case "j":
          try {
            out += String(JSON.stringify(arg));
          } catch {
            out += "[Circular]";
          }
          break;
        case "o":
        case "O":
          out += inspect(arg);
          break;
        case "c":
          break;
      }
      i += 2;
    }
    for (; next < args.length; next++) out += " " + top(args[next]);
    return out;
  }

  rt.format = format;
  rt.inspect = inspect;
}
