/**
 * @fnmesh/bundle/testing: fixtures for tests only, never for service code. Zips written byte by
 * byte, whose headers may lie about sizes and whose deflate streams unpack to far more than a test
 * could hold in memory.
 *
 * @example
 * ```ts
 * import { craftZip, deflatedEntry, zerosEntry } from "@fnmesh/bundle/testing";
 *
 * const handler = deflatedEntry("index.js", new TextEncoder().encode("exports.handler = async () => 1;"));
 * const bomb = await zerosEntry("a.bin", 1024 ** 3, 1000);   // 1 GiB of zeros declaring 1,000 bytes
 * const zip = craftZip([handler, bomb]);
 * ```
 */

export { craftZip, deflatedEntry, storedEntry, zerosEntry } from "./crafted-zip.ts";
export type { CraftedEntry } from "./crafted-zip.ts";
