/**
 * Test fixtures: zips written byte by byte, so a test can declare sizes that lie and hold deflate
 * streams far larger unpacked than anything a test could build in memory. Other workspaces' tests
 * import it as `@fnmesh/bundle/testing`.
 */
import { constants, crc32, createDeflateRaw, deflateRawSync } from "node:zlib";

/** One entry as it is stored: `data` is what sits in the zip (deflated when `method` is 8). */
export interface CraftedEntry {
  name: string;
  /** 0 stored, 8 deflated; any other value makes a zip no reader accepts. */
  method: number;
  data: Uint8Array;
  crc: number;
  /** The uncompressed size written to both headers: the truth, or a lie. */
  declaredSize: number;
}

/** A stored (method 0) entry with honest headers. */
export function storedEntry(name: string, data: Uint8Array): CraftedEntry {
  return { name, method: 0, data, crc: crc32(data), declaredSize: data.length };
}

/** A deflated entry with honest headers. */
export function deflatedEntry(name: string, data: Uint8Array): CraftedEntry {
  return { name, method: 8, data: deflateRawSync(data), crc: crc32(data), declaredSize: data.length };
}

const MIB = 1024 * 1024;

/**
 * A raw deflate stream of `size` zero bytes (about 1 KB per MiB: deflate's best ratio), built
 * without holding `size` bytes. One continuous stream, as `zip` writes: no stored blocks an
 * inflater could stop at cheaply.
 */
export async function zerosDeflated(size: number): Promise<{ data: Uint8Array; crc: number }> {
  const deflate = createDeflateRaw({ level: 9, strategy: constants.Z_RLE });
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => { deflate.once("end", resolve); deflate.once("error", reject); });
  const block = Buffer.alloc(MIB);
  let crc = 0;
  for (let left = size; left > 0; left -= MIB) {
    const part = left >= MIB ? block : block.subarray(0, left);
    crc = crc32(part, crc);
    if (!deflate.write(part)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await ended;
  return { data: Buffer.concat(chunks), crc };
}

/** A deflated entry of `size` zeros whose headers declare `declaredSize` (default: the truth). */
export async function zerosEntry(name: string, size: number, declaredSize = size): Promise<CraftedEntry> {
  const { data, crc } = await zerosDeflated(size);
  return { name, method: 8, data, crc, declaredSize };
}

/** Writes a zip (no zip64, no data descriptors): local headers and data, central directory, end record. */
export function craftZip(entries: readonly CraftedEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const local = Buffer.alloc(30 + name.length);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    name.copy(local, 30);
    const central = Buffer.alloc(46 + name.length);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.crc >>> 0, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    name.copy(central, 46);
    locals.push(local, entry.data);
    centrals.push(central);
    offset += local.length + entry.data.length;
  }
  const directorySize = centrals.reduce((sum, c) => sum + c.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
