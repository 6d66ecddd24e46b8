import { zipSync, strToU8 } from "fflate";

/** A deployment zip from `{ path: source }`. */
export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])));
}
